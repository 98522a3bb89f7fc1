// Google's @google/genai SDK as an ordinary user runs it, pointed at
// gemflow-sim through httpOptions.baseUrl (tests/sdk/sdk.sh drives it).
//
//   node genai.mjs JOB_JSON
//
// JOB_JSON: {"url": base URL, "prompt": text, "aspect", "size" (optional),
// "ref": a PNG file sent as a reference image (optional), "out": where the
// final image goes, "turn": where this request's contents plus the model's
// turn go as JSON (optional), "history": such a file, whose contents are
// sent first (a follow-up turn), "tamper": "alter" or "drop" the image
// part's thoughtSignature in that history}. The key comes from the
// environment (GEMFLOW_SDK_TEST_KEY), never from the command line.
//
// Prints one JSON line: {"ok": true, "events", "images", "thoughts",
// "finish", "signed"} or {"ok": false, "status", "message"}; exit 0 when
// the SDK call went as the job expected to run it (an ApiError is reported,
// not thrown: the shell decides what was expected).
import { readFileSync, writeFileSync } from 'node:fs';
import { GoogleGenAI } from '@google/genai';

const job = JSON.parse(process.argv[2]);
const apiKey = process.env.GEMFLOW_SDK_TEST_KEY;
if (!apiKey) {
  console.error('genai.mjs: GEMFLOW_SDK_TEST_KEY is not set');
  process.exit(2);
}
const ai = new GoogleGenAI({ apiKey, httpOptions: { baseUrl: job.url } });

function userTurn() {
  const parts = [{ text: job.prompt }];
  if (job.ref)
    parts.push({
      inlineData: {
        mimeType: 'image/png',
        data: readFileSync(job.ref).toString('base64'),
      },
    });
  return { role: 'user', parts };
}

// The earlier turns, the model's signature changed as asked.
function history() {
  if (!job.history) return [];
  const contents = JSON.parse(readFileSync(job.history, 'utf8'));
  for (const c of contents) {
    if (c.role !== 'model') continue;
    for (const p of c.parts) {
      if (!p.inlineData || p.thought || !p.thoughtSignature) continue;
      if (job.tamper === 'drop') delete p.thoughtSignature;
      if (job.tamper === 'alter') {
        const s = p.thoughtSignature;
        p.thoughtSignature = (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
      }
    }
  }
  return contents;
}

async function main() {
  const contents = [...history(), userTurn()];
  const config = { responseModalities: ['TEXT', 'IMAGE'] };
  if (job.aspect || job.size) {
    config.imageConfig = {};
    if (job.aspect) config.imageConfig.aspectRatio = job.aspect;
    if (job.size) config.imageConfig.imageSize = job.size;
  }
  const stream = await ai.models.generateContentStream({
    model: 'gemini-3-pro-image-preview',
    contents,
    config,
  });
  let events = 0, images = 0, thoughts = 0, finish = null, image = null;
  let signed = false;
  const modelParts = []; // the model's turn, every part as it came
  for await (const chunk of stream) {
    events++;
    const cand = chunk.candidates?.[0];
    if (cand?.finishReason) finish = cand.finishReason;
    for (const part of cand?.content?.parts ?? []) {
      modelParts.push(part);
      if (part.thought && part.text) thoughts++;
      if (!part.inlineData) continue;
      images++;
      if (!part.thought) {
        image = part.inlineData.data;
        signed = typeof part.thoughtSignature === 'string';
      }
    }
  }
  if (image !== null && job.out)
    writeFileSync(job.out, Buffer.from(image, 'base64'));
  if (job.turn)
    writeFileSync(job.turn, JSON.stringify([
      ...contents, { role: 'model', parts: modelParts }]));
  console.log(JSON.stringify({ ok: true, events, images, thoughts, finish,
                               signed }));
}

main().catch((e) => {
  if (e && e.name === 'ApiError') {
    console.log(JSON.stringify({ ok: false, status: e.status,
                                 message: String(e.message) }));
    return;
  }
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
