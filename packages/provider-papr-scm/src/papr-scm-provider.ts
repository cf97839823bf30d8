import {
  defineProvider,
  DimmCmd,
  DimmFamily,
  ERRNO,
  isNvdimmError,
  prefixedLogger,
  NvdimmError,
  type CommandResult,
  type Logger,
  type Media,
  type ProviderComponents,
  type ProviderInit,
  type RegionFlag,
} from '@nvdimm/core'
import { decodeFdt, findPaprScmNodes, parsePaprScmNode, type DtNode, type PaprScmNode } from './device-tree/index.js'
import { attachScmDevice } from './driver/attach.js'
import { paprCookies } from './driver/interleave-cookies.js'
import { serveLabelCommand } from './driver/label-channel.js'
import { drcKey, loadPaprFirmware } from './driver/papr-firmware-store.js'
import { paprScmDeviceName } from './driver/pdev-name.js'
import { scmHealthSource } from './driver/scm-health-source.js'
import {
  H_SCM_UNBIND_ALL,
  H_UNBIND_SCOPE_ALL,
  PaprHypervisor,
  scmFlush,
  type HcallSleep,
  type ScmDeviceConfig,
} from './hcall/index.js'
import {
  PAPR_PMEM_UNARMED_MASK,
  PAPR_SMART_INJECT_FIELDS,
  paprDimmOps,
  paprFirmwareFlags,
  paprHealth,
  PaprScmDimmHealth,
  servePdsm,
} from './pdsm/index.js'

/** The backing of one SCM device: its blocks and its metadata (label) area. */
export interface PaprScmBacking {
  data: Media
  metadata: Media
  /** Where the hypervisor binds the device when the guest lets it choose. */
  guestStart?: bigint
}

export interface PaprScmOptions {
  /** The LPAR's flattened device tree, or the tree itself. */
  deviceTree: Uint8Array | DtNode
  /** What stands behind each DRC index the tree names. */
  devices: ReadonlyMap<number, PaprScmBacking>
  /** How the driver waits on H_BUSY (0 ms) and H_LONG_BUSY_* (the hinted time). */
  sleep?: HcallSleep
  /** Milliseconds, for the 60 s health cache. */
  clock?: () => number
}

/** PAPR_SCM_DIMM_CMD_MASK: the label commands and ND_CMD_CALL for the PDSMs. */
const PAPR_SCM_DIMM_CMD_MASK = [DimmCmd.GET_CONFIG_SIZE, DimmCmd.GET_CONFIG_DATA, DimmCmd.SET_CONFIG_DATA, DimmCmd.CALL]
const realSleep: HcallSleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** The SCM devices the tree describes and that have storage; a node that fails is logged and left out. */
function scmDevices(tree: DtNode, options: PaprScmOptions, logger: Logger): PaprScmNode[] {
  const found: PaprScmNode[] = []
  for (const { node, path } of findPaprScmNodes(tree)) {
    try {
      const scm = parsePaprScmNode(node, path)
      if (!options.devices.has(scm.drcIndex)) {
        throw new NvdimmError('ENXIO', `${path}: no storage stands behind drc 0x${scm.drcIndex.toString(16)}`)
      }
      found.push(scm)
    } catch (error) {
      // Each node is a platform device of its own: one that fails to probe leaves the others.
      if (!isNvdimmError(error)) throw error
      logger.error(`papr_scm ${paprScmDeviceName(path)}: ${error.message}`)
    }
  }
  return found
}

function hypervisorDevice(scm: PaprScmNode, backing: PaprScmBacking): ScmDeviceConfig {
  return {
    drcIndex: scm.drcIndex,
    blockSize: scm.blockSize,
    blockCount: scm.blockCount,
    metadata: backing.metadata,
    storage: backing.data,
    hcallFlushRequired: scm.hcallFlushRequired,
    ...(backing.guestStart !== undefined
      ? { guestRange: { start: backing.guestStart, size: scm.blockSize * scm.blockCount } }
      : {}),
  }
}

/**
 * The PowerPC pseries provider (arch/powerpc/platforms/pseries/papr_scm.c): a bus, a dimm and a
 * region per `ibm,pmemory` node, bound into the guest by hypervisor calls. The hypervisor's
 * state outlives the kernel: after a kexec the new kernel meets its predecessor's bindings
 * (H_OVERLAP) and recovers; the same running kernel, in a later command, finds its own.
 */
export function paprScm(options: PaprScmOptions): ProviderInit {
  return defineProvider('papr-scm', (components) => ({
    probe: () => probePaprScm(options, components),
  }))
}

async function probePaprScm(options: PaprScmOptions, components: ProviderComponents): Promise<void> {
  const { registerBus, logger, firmware: store, boot, kernel } = components
  const tree = options.deviceTree instanceof Uint8Array ? decodeFdt(options.deviceTree).tree : options.deviceTree
  const sleep = options.sleep ?? realSleep
  const nodes = scmDevices(tree, options, logger)
  const configs = nodes.map((scm) => hypervisorDevice(scm, options.devices.get(scm.drcIndex)!))
  const saved = loadPaprFirmware(store)
  const hv = saved ? PaprHypervisor.fromJSON(saved.hypervisor, configs) : new PaprHypervisor(configs)
  // The LPAR was restarted: the hypervisor keeps no binding of its last run.
  if (saved && saved.boot !== boot) hv.hcall(H_SCM_UNBIND_ALL, [H_UNBIND_SCOPE_ALL, 0n, 0n])
  const ours = saved !== undefined && saved.boot === boot && saved.kernel === kernel
  // The driver's injected health lives as long as the kernel that holds it.
  const injectMasks: Record<string, string> = ours ? { ...saved.injectMasks } : {}
  const save = () => store.save({ boot, kernel, hypervisor: hv.toJSON(), injectMasks })

  for (const scm of nodes) {
    const backing = options.devices.get(scm.drcIndex)!
    const device = { ...scm, metadataSize: BigInt(scm.metadataSize ?? 0) }
    const name = paprScmDeviceName(scm.path)
    const log = prefixedLogger(logger, `papr_scm ${name}: `)
    let bound: bigint
    try {
      bound = await attachScmDevice(hv, device, ours, sleep, log)
    } catch (error) {
      if (!isNvdimmError(error)) throw error
      continue
    }
    const key = drcKey(scm.drcIndex)
    const health: PaprScmDimmHealth = new PaprScmDimmHealth({
      source: scmHealthSource(hv, device),
      dirtyShutdownCounter: scm.persistenceFailedCount ?? 0n,
      injectMask: BigInt(injectMasks[key] ?? '0x0'),
      ...(options.clock ? { clock: options.clock } : {}),
      changed: () => {
        injectMasks[key] = `0x${health.injectMask.toString(16)}`
        save()
      },
    })
    // papr_scm_nvdimm_init(): the dimm is unarmed when the hypervisor says so; errors are ignored.
    const bitmap = await health.queryBitmap().catch(() => 0n)
    const bus = registerBus({
      providerName: name,
      cmdMask: [],
      dimmFamilyMask: [DimmFamily.PAPR],
      ndctl: async (dimm, cmd, input): Promise<CommandResult> => {
        if (!dimm) return { rc: -ERRNO.EINVAL, cmdRc: 0, output: new Uint8Array(0) }
        if (cmd === DimmCmd.CALL) return servePdsm(health, input)
        return serveLabelCommand(hv, device, cmd, input)
      },
    })
    const smart = paprDimmOps(health).smart
    const dimm = bus.createDimm({
      flags: bitmap & PAPR_PMEM_UNARMED_MASK ? ['labeling', 'unarmed'] : ['labeling'],
      firmwareFlags: paprFirmwareFlags(bitmap),
      cmdMask: PAPR_SCM_DIMM_CMD_MASK,
      health: () => paprHealth(health),
      ops: { ...(smart ? { smart: { ...smart, injectFields: PAPR_SMART_INJECT_FIELDS } } : {}) },
      providerData: scm,
    })
    const size = scm.blockSize * scm.blockCount
    const flags: RegionFlag[] = []
    if (scm.hcallFlushRequired) flags.push('async')
    if (!scm.isVolatile) flags.push('persistMemctrl')
    const node = scm.numaAssociativity?.at(-1) ?? 0
    bus.createRegion({
      type: scm.isVolatile ? 'volatile' : 'pmem',
      resource: { start: bound, size },
      media: backing.data,
      mappings: [{ dimm, start: 0n, size, position: 0 }],
      interleaveSet: { ...paprCookies(scm.unitGuid), altcookie: 0n },
      numaNode: node,
      targetNode: node,
      flags,
      // papr_scm_pmem_flush(): H_SCM_FLUSH until the hypervisor is done.
      ...(scm.hcallFlushRequired
        ? { flush: async () => scmFlush(hv, device, sleep).finally(save), flushName: 'H_SCM_FLUSH' }
        : {}),
      providerData: scm,
    })
  }
  save()
}
