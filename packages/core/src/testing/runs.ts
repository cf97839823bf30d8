/**
 * How many fast-check runs a property test makes: a sample in `npm test`, 10^5 per decoder
 * under `npm run fuzz` (NVDIMM_FUZZ_RUNS).
 */
export function fuzzRuns(sample = 300): number {
  const configured = Number(process.env.NVDIMM_FUZZ_RUNS)
  return Number.isFinite(configured) && configured > 0 ? configured : sample
}

/** Whether `npm run crash` asked for every crash point of the large cases too. */
export function exhaustiveCrashes(): boolean {
  return process.env.NVDIMM_CRASH_EXHAUSTIVE === '1'
}
