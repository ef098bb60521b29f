export * from './codeable-concept.ts';
export * from './interpretation.ts';
export * from './map-patient.ts';
export * from './map-observation.ts';
export * from './map-diagnostic-report.ts';
export * from './map-document-reference.ts';
export * from './map-flag.ts';
export * from './build-summary.ts';
