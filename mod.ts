/**
 * Python's `logging` and `logging.handlers`, rebuilt for Deno: the same loggers, levels,
 * format strings and handlers, with typed options, promises and `await using`.
 *
 * ```ts
 * import { FileHandler, Formatter, getLogger } from "./mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const log = getLogger("app");
 * const handler = new FileHandler(`${dir}/app.log`);
 * handler.setFormatter(new Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"));
 * log.addHandler(handler);
 * log.warning("disk at %d%%", 91);
 * await handler.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * Importing this module needs no permission and starts nothing; each handler asks for the
 * permission its job needs.
 *
 * @module
 */

export * from "./core/mod.ts";
export { basicConfig, type BasicConfigOptions } from "./core/config.ts";
export { critical, debug, error, exception, info, log, warning } from "./core/config.ts";
export * from "./handlers/stream.ts";
export * from "./handlers/file.ts";
export * from "./handlers/watched_file.ts";
export * from "./handlers/rotating.ts";
export * from "./handlers/timed_rotating.ts";
export * from "./handlers/socket.ts";
export * from "./handlers/syslog.ts";
export * from "./handlers/nt_event_log.ts";
export * from "./handlers/http.ts";
export * from "./handlers/smtp.ts";
export * from "./handlers/memory.ts";
export * from "./handlers/queue.ts";
export { LogReceiver, type LogReceiverOptions, type LogReceiverRejections } from "./receiver.ts";
