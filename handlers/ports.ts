/**
 * The default ports of Python's `logging.handlers`, for the handlers and receivers that use
 * them: `new SocketHandler("localhost", DEFAULT_TCP_LOGGING_PORT)`, as in Python.
 *
 * @module
 */

/**
 * The TCP port Python's logging examples send pickled records to (`SocketHandler`) and the log
 * server listens on: 9020.
 *
 * @example
 * ```ts
 * import { DEFAULT_TCP_LOGGING_PORT } from "@x/loghandlers";
 * // new SocketHandler("localhost", DEFAULT_TCP_LOGGING_PORT)
 * console.assert(DEFAULT_TCP_LOGGING_PORT === 9020);
 * ```
 */
export const DEFAULT_TCP_LOGGING_PORT = 9020;

/**
 * The UDP port Python's logging examples send pickled records to (`DatagramHandler`): 9021.
 *
 * @example
 * ```ts
 * import { DEFAULT_UDP_LOGGING_PORT } from "@x/loghandlers";
 * console.assert(DEFAULT_UDP_LOGGING_PORT === 9021);
 * ```
 */
export const DEFAULT_UDP_LOGGING_PORT = 9021;

/**
 * The port Python's logging examples send records to over HTTP (`HTTPHandler`): 9022.
 *
 * @example
 * ```ts
 * import { DEFAULT_HTTP_LOGGING_PORT } from "@x/loghandlers";
 * console.assert(`localhost:${DEFAULT_HTTP_LOGGING_PORT}` === "localhost:9022");
 * ```
 */
export const DEFAULT_HTTP_LOGGING_PORT = 9022;

/**
 * The syslog port over UDP (`SysLogHandler`'s default address is `["localhost", 514]`): 514.
 *
 * @example
 * ```ts
 * import { SYSLOG_UDP_PORT } from "@x/loghandlers";
 * console.assert(SYSLOG_UDP_PORT === 514);
 * ```
 */
export const SYSLOG_UDP_PORT = 514;

/**
 * The syslog port over TCP (`SysLogHandler` with `socktype: "tcp"`): 514.
 *
 * @example
 * ```ts
 * import { SYSLOG_TCP_PORT } from "@x/loghandlers";
 * console.assert(SYSLOG_TCP_PORT === 514);
 * ```
 */
export const SYSLOG_TCP_PORT = 514;
