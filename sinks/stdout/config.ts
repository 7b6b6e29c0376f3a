/** The `stdout` sink's configuration: none; any key is an error. */
export type StdoutSinkOptions = Record<string, never>;

export const stdoutConfigSchema: Record<string, unknown> = {
  type: 'object',
  properties: {},
  additionalProperties: false,
};
