/** The `module` sink's configuration: which module to load, and the options passed to it. */
export interface ModuleSinkOptions {
  path: string;
  export?: string;
  options: Record<string, unknown>;
}

export const moduleConfigSchema: Record<string, unknown> = {
  type: 'object',
  required: ['path'],
  properties: {
    path: {
      type: 'string',
      minLength: 1,
      description: 'The module file (absolute, or relative to the working directory).',
    },
    export: {
      type: 'string',
      description: "The factory's export name. Default: create, else the default export.",
    },
    options: {
      type: 'object',
      default: {},
      description: "Passed to the factory as its options (the module's own config).",
    },
  },
  additionalProperties: false,
};
