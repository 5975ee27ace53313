/** Project schema 7: edge packages, devices and deployments. */
export const deploySchema = `
`;

/** User schema 5: devices (SSH targets) for deploys, shared by every project of the user. */
export const deviceUserSchema = `
`;
