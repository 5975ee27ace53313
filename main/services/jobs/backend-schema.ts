/** Project schema 9: where a job runs (backend, cluster, its id there, resources) and sweeps. */
export const jobBackendSchema = `
`;
