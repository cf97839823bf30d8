/**
 * The platform device's name, which papr_scm also makes its bus provider name:
 * of_device_make_bus_id() joins the node names up to the root with ':' when `reg` does not
 * translate (a DRC index is no address), so /ibm,persistent-memory/ibm,pmemory@44100002 is
 * "ibm,persistent-memory:ibm,pmemory@44100002".
 */
export function paprScmDeviceName(path: string): string {
  return path.split('/').filter(Boolean).join(':')
}
