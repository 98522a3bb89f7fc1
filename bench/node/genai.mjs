// Google's @google/genai SDK as its users call it: generateContentStream
// with the prompt and imageConfig of gemflow's request (read from the same
// body file), pointed at the simulator through httpOptions.baseUrl; the
// last non-thought inlineData is the image.
//
//   GEMFLOW_API_KEY=... node genai.mjs JOB.json     (job.mjs: the format)
import { GoogleGenAI } from '@google/genai';
import { loadJob, runPool } from './job.mjs';

const job = loadJob();
const ai = new GoogleGenAI({ apiKey: job.key, httpOptions: { baseUrl: job.url } });
const model = decodeURIComponent(job.target.match(/models\/([^:]+):/)[1]);
const requests = job.bodyBytes.map((b) => {
  const body = JSON.parse(b.toString('utf8'));
  return {
    model,
    contents: body.contents,
    config: {
      responseModalities: body.generationConfig.responseModalities,
      imageConfig: body.generationConfig.imageConfig,
    },
  };
});

async function one(i) {
  const stream = await ai.models.generateContentStream(requests[i % requests.length]);
  let image = null, finish = null;
  for await (const chunk of stream) {
    const cand = chunk.candidates?.[0];
    if (cand?.finishReason) finish = cand.finishReason;
    for (const part of cand?.content?.parts ?? [])
      if (part.inlineData && !part.thought) image = part.inlineData.data;
  }
  if (finish !== 'STOP') throw new Error(`finish ${finish}`);
  if (!image) throw new Error('no image');
  return Buffer.from(image, 'base64');
}

await runPool('genai-sdk', job, one);
