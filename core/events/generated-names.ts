/** The name under which a type's fields validator is exported from validators.generated.ts. */
export const fieldsExportName = (type: string): string => `fields_${type.replace(/[^A-Za-z0-9]/g, '_')}`;
