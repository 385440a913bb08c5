// Host and port of a Temporal address as TEMPORAL_ADDRESS gives it, for the dev server's --ip and --port.

/**
 * Host and port of a gRPC address, `127.0.0.1:7233` or `[::1]:7233` (the dev server's --ip takes
 * an IPv6 address without its brackets); the port is 7233 when none is given.
 */
export function hostAndPort(address: string): { host: string; port: string } {
  let url: URL;
  try {
    url = new URL(`grpc://${address}`);
  } catch {
    throw new Error(`TEMPORAL_ADDRESS ${address} is not host:port`);
  }
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port || '7233' };
}
