// A plain Node client: fetch() (undici, Node 20's own) and a linear SSE
// reader, each byte looked at once: lines are cut from the byte stream
// (a line longer than a read, the image's, is gathered as pieces and
// joined once), each "data:" line's JSON parsed, the last non-thought
// inlineData kept and decoded from base64 at the end.
//
//   GEMFLOW_API_KEY=... node fetch.mjs JOB.json     (job.mjs: the format)
import { loadJob, runPool } from './job.mjs';

const job = loadJob();
let url = job.url + job.target;
const headers = { ...job.headers };
if (job.key_in === 'header') headers['x-goog-api-key'] = job.key;
else url += (url.includes('?') ? '&' : '?') + 'key=' + encodeURIComponent(job.key);

class SseReader {
  constructor(onData) {
    this.pieces = []; // the current line's bytes, when it spans reads
    this.data = [];   // the current event's data lines
    this.onData = onData;
  }
  push(chunk) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) {
        if (start < chunk.length) this.pieces.push(chunk.subarray(start));
        return;
      }
      let line = chunk.subarray(start, nl);
      if (this.pieces.length) {
        this.pieces.push(line);
        line = Buffer.concat(this.pieces);
        this.pieces = [];
      }
      this.line(line);
      start = nl + 1;
    }
  }
  line(b) {
    let n = b.length;
    if (n && b[n - 1] === 13) n--;
    if (n === 0) { // end of the event
      if (this.data.length) this.onData(this.data.join('\n'));
      this.data = [];
      return;
    }
    if (b[0] === 58) return; // a comment
    const colon = b.indexOf(58);
    const name = colon < 0 || colon > n ? b.toString('latin1', 0, n)
                                        : b.toString('latin1', 0, colon);
    if (name !== 'data') return;
    let v = colon < 0 || colon > n ? n : colon + 1;
    if (v < n && b[v] === 32) v++;
    this.data.push(b.toString('utf8', v, n));
  }
}

async function one(i) {
  const res = await fetch(url, {
    method: 'POST', headers, body: job.bodyBytes[i % job.bodyBytes.length],
  });
  if (res.status !== 200) {
    await res.arrayBuffer();
    throw new Error(`HTTP ${res.status}`);
  }
  let image = null, finish = null;
  const sse = new SseReader((data) => {
    const ev = JSON.parse(data);
    if (ev.error) throw new Error(`API error ${ev.error.code}`);
    const cand = ev.candidates?.[0];
    if (cand?.finishReason) finish = cand.finishReason;
    for (const part of cand?.content?.parts ?? [])
      if (part.inlineData && !part.thought) image = part.inlineData.data;
  });
  for await (const chunk of res.body)
    sse.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  if (finish !== 'STOP') throw new Error(`finish ${finish}`);
  if (!image) throw new Error('no image');
  return Buffer.from(image, 'base64');
}

await runPool('node-fetch', job, one);
