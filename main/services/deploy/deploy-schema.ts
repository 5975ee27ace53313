import { packageSchema } from './package-schema';

/** Part of project schema 7: deployments (which package went to which device, when, with what result). */
export const deploymentSchema = `
`;

/** Project schema 7: edge packages and deployments. */
export const deploySchema = packageSchema + deploymentSchema;

/** User schema 5: devices (SSH targets) for deploys, shared by every project of the user. */
export const deviceUserSchema = `
`;
