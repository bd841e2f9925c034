/** A stream peer for the tests: accepts every connection on a listener and closes them all. */

/** The connections a peer accepted so far, and `close()`. */
export interface Peer {
  /** Every connection accepted so far, in order. */
  conns: Deno.Conn[];
  /** Closes the listener and every connection, and waits for the accept loop to end. */
  close(): Promise<void>;
}

/**
 * Accepts every connection on `listener` (TCP, TLS or a Unix socket) and hands each to `serve`,
 * which must not throw; the default keeps the connection open and never reads from it.
 */
export function acceptAll(
  listener: Deno.Listener,
  serve: (conn: Deno.Conn) => void = () => {},
): Peer {
  const conns: Deno.Conn[] = [];
  const done = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      serve(conn);
    }
  })().catch(() => {});
  return {
    conns,
    async close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // already closed
        }
      }
      await done;
    },
  };
}
