/** A plain TCP server on 127.0.0.1 that reads length-prefixed JSON frames (our handlers' format). */

import { acceptAll } from "./tcp_peer.ts";

/** The server: its port, the records it got (parsed), and `close()`. */
export interface JsonServer {
  port: number;
  got: Record<string, unknown>[];
  close(): Promise<void>;
}

/**
 * Starts the server.
 *
 * @param port The port, 0 for any free one.
 */
export function jsonServer(port = 0): JsonServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  const got: Record<string, unknown>[] = [];
  const peer = acceptAll(listener, (conn) => {
    (async () => {
      let buf = new Uint8Array(0);
      for await (const chunk of conn.readable) {
        const next = new Uint8Array(buf.length + chunk.length);
        next.set(buf);
        next.set(chunk, buf.length);
        buf = next;
        while (buf.length >= 4) {
          const size = new DataView(buf.buffer, buf.byteOffset).getUint32(0);
          if (buf.length < 4 + size) break;
          got.push(JSON.parse(new TextDecoder().decode(buf.subarray(4, 4 + size))));
          buf = buf.subarray(4 + size);
        }
      }
    })().catch(() => {});
  });
  return { port: listener.addr.port, got, close: peer.close };
}

/** Waits until `cond()` holds, polling; fails after `ms`. */
export async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}
