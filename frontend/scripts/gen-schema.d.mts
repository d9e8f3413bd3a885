export const BANNER: string;
export function schemaTypes(openapiJson: string): Promise<string>;
