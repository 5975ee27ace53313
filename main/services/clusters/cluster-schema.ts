/** Project schema 9: where a job runs (backend, cluster, its id there, resources) and sweeps. */
export const clusterProjectSchema = `
`;

/** User schema 4: cluster profiles (host, user, key, partition, defaults); secrets encrypted like provider keys. */
export const clusterUserSchema = `
`;
