/** A TCP connection with a connect timeout, for the small PostgreSQL and Redis clients. */
import net from "node:net";

/**
 * Connect to `host:port`, failing after `timeoutMs`; Nagle is off (probes send tiny requests).
 * @param {{host?: string, port: number, timeoutMs?: number}} opts
 * @returns {Promise<net.Socket>}
 */
export function connectTcp(opts) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: opts.host ?? "127.0.0.1", port: opts.port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`connect to port ${opts.port} timed out`));
    }, opts.timeoutMs ?? 1000);
    s.once("connect", () => {
      clearTimeout(timer);
      s.setNoDelay(true);
      resolve(s);
    });
    s.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
