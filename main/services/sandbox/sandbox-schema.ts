/** Project schema 8: the sandbox audit log. */
export const sandboxSchema = `
`;
