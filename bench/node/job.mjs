// What the two Node peers share: the job file bench/compare.sh writes, the
// worker pool (n generations, c at a time), the image check and the one
// JSON line of figures. The key comes from $GEMFLOW_API_KEY, never argv.
//
// Job file: {"url", "target" (path and query, no key), "key_in" ("query"
// or "header"), "headers" {name: value}, "bodies" [files: the exact request
// bodies gemflow sends, from gemflow-bench --dump-requests], "expect" [the
// sha256 of each body's image, hex], "n", "c"}. Generation i sends body
// i % bodies.length and must get image expect[i % expect.length].
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';

export function loadJob() {
  const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  job.key = process.env.GEMFLOW_API_KEY;
  if (!job.key) {
    console.error('the key must be in $GEMFLOW_API_KEY');
    process.exit(2);
  }
  job.bodyBytes = job.bodies.map((f) => readFileSync(f));
  return job;
}

// Runs one(i) for i in [0, n), c at a time; one resolves to the decoded
// image (a Buffer) or throws. Prints the figures and exits.
export async function runPool(client, job, one) {
  const errors = {};
  let next = 0, ok = 0, verified = 0, failed = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  async function worker() {
    while (next < job.n) {
      const i = next++;
      try {
        const image = await one(i);
        ok++;
        const sha = createHash('sha256').update(image).digest('hex');
        if (sha === job.expect[i % job.expect.length]) verified++;
        else errors.not_verified = (errors.not_verified ?? 0) + 1;
      } catch (e) {
        failed++;
        const k = String(e?.message ?? e).slice(0, 80);
        errors[k] = (errors[k] ?? 0) + 1;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(job.c, job.n) }, worker));
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({
    client, n: job.n, c: job.c, ok, verified, failed: failed + (ok - verified),
    wall_s: wall, cpu_user_s: cpu.user / 1e6, cpu_sys_s: cpu.system / 1e6,
    maxrss_kb: process.resourceUsage().maxRSS, errors,
  }));
  process.exit(failed || ok !== verified ? 1 : 0);
}
