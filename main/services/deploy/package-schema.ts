/** Part of project schema 7: edge packages built from model versions. */
export const packageSchema = `
`;
