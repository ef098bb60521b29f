/** The demo's mocked upstreams and synthetic data, for the BFF's demo start-up and the end-to-end tests. */
export {
  FHIR_JSON,
  demoSourceResources,
  demoSources,
  demoUpstreamHandlers,
  fhirSourceHandlers,
  sourceFaultHandler,
  type DemoSource,
  type DemoSourceId,
  type DemoUpstreamOptions,
  type FhirSourceOptions,
} from './fhir-handlers.ts';
export {
  DEFAULT_SLOW_LATENCY_MS,
  SOURCE_MODES,
  SourceFaults,
  isSourceMode,
  sourceModeLabel,
  type FaultOutcome,
  type SourceFaultState,
  type SourceFaultsOptions,
  type SourceMode,
} from './source-faults.ts';
export { FhirError, FhirStore, operationOutcome } from './fhir-store.ts';
export { gpPatients, type GpPatient } from './data/gp-patients.ts';
export { HOSPITAL_A, hospitalAResources } from './data/hospital-a.ts';
export { HOSPITAL_B, hospitalBResources } from './data/hospital-b.ts';
export { DEMO_ANCHOR_MS, daysAgo } from './data/demo-clock.ts';
