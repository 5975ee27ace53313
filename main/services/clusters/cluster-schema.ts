/** User schema 4: cluster profiles (host, user, key, partition, defaults); secrets encrypted like provider keys. */
export const clusterUserSchema = `
`;
