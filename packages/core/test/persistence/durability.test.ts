import * as fs from 'node:fs'
import * as path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { FileMedia, RegionPersistence } from '../../src/index.js'
import { tempDir } from '../helpers.js'

/**
 * The media file meets the model's durability points: in strict mode every fence the model
 * makes durable is an fdatasync, so a host crash cannot take back what the model had made
 * durable; fast mode skips them.
 */

const dir = tempDir()
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

function modelled(durability: 'strict' | 'fast') {
  const file = path.join(dir, `${durability}.img`)
  FileMedia.create(file, 1n << 20n)
  let syncs = 0
  const media = new FileMedia(file, { durability, syncFile: () => void syncs++ })
  const region = new RegionPersistence(media, 64, 'memory_controller')
  region.enableModel()
  return { media, region, syncs: () => syncs }
}

describe('media file durability', () => {
  it('strict: a store is not synced until its fence, and the fence is an fdatasync', () => {
    const { media, region, syncs } = modelled('strict')
    region.store(0n, Uint8Array.of(1, 2, 3))
    region.writeback(0n, 3)
    expect(syncs()).toBe(0)
    region.barrier()
    expect(syncs()).toBe(1)
    region.write(4096n, new Uint8Array(512))
    region.sync()
    expect(syncs()).toBe(2)
    media.close()
  })

  it('fast: no fdatasync at all', () => {
    const { media, region, syncs } = modelled('fast')
    region.store(0n, Uint8Array.of(1))
    region.barrier()
    region.sync()
    expect(syncs()).toBe(0)
    media.close()
  })
})
