import type { Health, SmartThresholds } from '../../src/index.js'
import { mockProvider } from '../../src/testing/index.js'
import type { MockDimm } from '../../src/testing/mock-provider.js'

/**
 * nfit_test's SMART defaults (tools/testing/nvdimm/test/nfit.c smart_def and the threshold
 * defaults; notes §5): valid HEALTH|SPARES|ALARM|USED|SHUTDOWN|SHUTDOWN_COUNT|MTEMP|CTEMP,
 * non-critical, 23 °C media, 25 °C controller, 75 % spares, SPARE_TRIP|TEMP_TRIP, 5 % used,
 * clean, 42 dirty shutdowns; thresholds SPARE|TEMP enabled at 40 °C media, 30 °C controller, 5 %.
 */
export const NFIT_TEST_SMART: Health = {
  state: 'non-critical',
  temperature: 23,
  controllerTemperature: 25,
  sparesPercentage: 75,
  alarmTemperature: true,
  alarmControllerTemperature: false,
  alarmSpares: true,
  lifeUsedPercentage: 5,
  shutdownState: 'clean',
  shutdownCount: 42,
}

export const NFIT_TEST_THRESHOLDS: SmartThresholds = {
  alarmTemperature: true,
  alarmControllerTemperature: false,
  alarmSpares: true,
  temperature: 40,
  controllerTemperature: 30,
  spares: 5,
}

/** An nfit_test dimm: its id, handle and phys_id (cdab-0a-07e0-~handle) with SMART, thresholds and injection. */
export function nfitTestDimm(handle: number, overrides: Partial<MockDimm> = {}): MockDimm {
  return {
    id: `cdab-0a-07e0-${(~handle >>> 0).toString(16).padStart(8, '0')}`,
    handle,
    physId: handle,
    health: { ...NFIT_TEST_SMART },
    smartThresholds: { ...NFIT_TEST_THRESHOLDS },
    smartInject: ['mediaTemperature', 'spares', 'fatal', 'unsafeShutdown'],
    ...overrides,
  }
}

const MiB = 1n << 20n

/**
 * Bus nfit_test.0 with four SMART dimms (nmem0..3, `dimms` replaces them) in a 2-way and a 4-way region (as nfit_test.0), and
 * a second bus whose one dimm has no SMART (as QEMU's), in a region of its own.
 */
export function smartPlatform(dimms: MockDimm[] = [0x0, 0x1, 0x100, 0x101].map((h) => nfitTestDimm(h))) {
  return mockProvider({
    buses: [
      {
        providerName: 'nfit_test.0',
        dimms,
        regions: [
          {
            start: 0x1_0000_0000n,
            size: 32n * MiB,
            mappings: [0, 1].map((dimm) => ({ dimm, start: 0n, size: 16n * MiB })),
            flags: ['persistMemctrl'],
          },
          {
            start: 0x1_0800_0000n,
            size: 64n * MiB,
            mappings: [0, 1, 2, 3].map((dimm) => ({ dimm, start: 16n * MiB, size: 16n * MiB })),
            flags: ['persistMemctrl'],
          },
        ],
      },
      {
        providerName: 'ACPI.NFIT',
        dimms: [{ id: '8680-56341200', handle: 1, physId: 0 }],
        regions: [{ start: 0x2_0000_0000n, size: 32n * MiB, mappings: [{ dimm: 0, start: 0n, size: 32n * MiB }] }],
      },
    ],
  })
}
