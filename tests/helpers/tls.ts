/** Test certificates: a CA made at test time with openssl, and a server certificate it signed. */

/** PEM texts of a test CA and of a server certificate (and key) for 127.0.0.1 and localhost. */
export interface TestCertificates {
  ca: string;
  cert: string;
  key: string;
}

async function openssl(dir: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", {
    args,
    cwd: dir,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`openssl ${args.join(" ")} failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
}

/**
 * Makes a CA and a server certificate for 127.0.0.1 and localhost (EC P-256, two days).
 * Without openssl: a loud skip (`null`) on a laptop, an error under `CI=true`.
 *
 * @param purpose What is skipped without openssl, for the message.
 */
export async function testCertificates(purpose: string): Promise<TestCertificates | null> {
  const dir = await Deno.makeTempDir({ prefix: "certs_" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  try {
    // deno-fmt-ignore
    await openssl(dir, "req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
      "-subj", "/CN=loghandlers test CA", "-addext", "basicConstraints=critical,CA:TRUE",
      "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    // deno-fmt-ignore
    await openssl(dir, "req", ...ec, "-keyout", "server.key", "-out", "server.csr",
      "-subj", "/CN=localhost");
    await Deno.writeTextFile(
      `${dir}/ext.cnf`,
      "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n" +
        "extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n",
    );
    // deno-fmt-ignore
    await openssl(dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
      "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf");
    return {
      ca: await Deno.readTextFile(`${dir}/ca.pem`),
      cert: await Deno.readTextFile(`${dir}/server.pem`),
      key: await Deno.readTextFile(`${dir}/server.key`),
    };
  } catch (error) {
    if (Deno.env.get("CI") === "true") throw error;
    if (error instanceof Deno.errors.NotFound) {
      console.error(`!!! openssl not found: ${purpose} are SKIPPED`);
      return null;
    }
    throw error;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
