import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { FileMedia, MemoryMedia } from '../src/index.js'

const dirs: string[] = []
const tempFile = (size: bigint) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nvdimm-media-'))
  dirs.push(dir)
  const file = path.join(dir, 'media.img')
  FileMedia.create(file, size)
  return file
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

describe('FileMedia', () => {
  it('reads and writes at offsets beyond 4 GiB in a sparse file', () => {
    const file = tempFile(8n << 30n)
    const media = new FileMedia(file)
    const at = (5n << 30n) + 123n
    media.write(at, new Uint8Array([1, 2, 3]))
    const back = new Uint8Array(5)
    media.read(at - 1n, back)
    expect([...back]).toEqual([0, 1, 2, 3, 0])
    media.sync()
    media.close()
    expect(fs.statSync(file).blocks * 512).toBeLessThan(1 << 20)
  })

  it('refuses I/O outside the media and writes when read-only', () => {
    const file = tempFile(4096n)
    const media = new FileMedia(file, { readOnly: true })
    expect(() => media.read(4090n, new Uint8Array(8))).toThrow(/outside the media/)
    expect(() => media.write(0n, new Uint8Array(1))).toThrowError(expect.objectContaining({ errno: 'EROFS' }))
    media.close()
  })

  it('exposes a window of a file (a label area at the end of an image)', () => {
    const file = tempFile(1n << 20n)
    const whole = new FileMedia(file)
    whole.write((1n << 20n) - 4n, new Uint8Array([9, 9, 9, 9]))
    const tail = new FileMedia(file, { offset: (1n << 20n) - 128n, size: 128n })
    const bytes = new Uint8Array(4)
    tail.read(124n, bytes)
    expect([...bytes]).toEqual([9, 9, 9, 9])
    expect(() => new FileMedia(file, { offset: 1n << 20n, size: 1n })).toThrow(/fewer than/)
    whole.close()
    tail.close()
  })

  it('reports a missing file as ENXIO', () => {
    expect(() => new FileMedia('/nonexistent/nvdimm.img')).toThrowError(expect.objectContaining({ errno: 'ENXIO' }))
  })
})

describe('MemoryMedia', () => {
  it('is sparse: a 16 GiB range costs only what is written', () => {
    const media = new MemoryMedia(16n << 30n)
    media.write((8n << 30n) - 2n, new Uint8Array([7, 7, 7, 7]))
    const back = new Uint8Array(6)
    media.read((8n << 30n) - 3n, back)
    expect([...back]).toEqual([0, 7, 7, 7, 7, 0])
    expect(media.allocated).toBe(2 * 64 * 1024)
    expect(() => media.write(16n << 30n, new Uint8Array(1))).toThrow(/outside the media/)
  })
})
