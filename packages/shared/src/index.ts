export * from './nhs-number.ts';
export * from './view-models.ts';
export * from './problem-types.ts';
export * from './fhir/index.ts';
export * from './rules/sensitive-codes.ts';
export * from './rules/default-sensitive-codes.ts';
export * from './rules/opt-out.ts';
export * from './rules/aki.ts';
