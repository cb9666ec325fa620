// Starts the test fakes of GitHub's REST API and artifact service as one process, for the GPU
// end-to-end run (where the action must talk to "GitHub" without a network). Bundled into
// .gpu/fakes.mjs by scripts/gpu-e2e-prepare.sh.
// Usage: node fakes.mjs ENDPOINTS_JSON STATE_JSON   (writes STATE_JSON on SIGTERM, then exits)
import { writeFileSync } from 'node:fs';
import { startGitHubApiServer } from '../../test/fakes/github-api-server.js';
import { readZip, runtimeToken, startArtifactServer } from '../../test/fakes/artifact-server.js';

const [endpointsFile, stateFile] = process.argv.slice(2);
if (!endpointsFile || !stateFile) {
  console.error('usage: fakes.mjs ENDPOINTS_JSON STATE_JSON');
  process.exit(2);
}
const github = await startGitHubApiServer();
const artifacts = await startArtifactServer();
writeFileSync(endpointsFile, JSON.stringify({ githubUrl: github.url, resultsUrl: artifacts.resultsUrl, runtimeToken: runtimeToken() }));
console.log(`fakes: GitHub API at ${github.url}, artifact service at ${artifacts.resultsUrl}`);

process.on('SIGTERM', () => {
  const state = {
    requests: github.requests.map((r) => ({ method: r.method, path: r.path, outcome: r.outcome })),
    comments: github.comments('acme', 'torchacc', 7).map((c) => ({ id: c.id, body: c.body })),
    artifacts: artifacts.artifacts.map((a) => {
      const zip = artifacts.blob(a);
      return { name: a.name, files: zip ? readZip(zip).map((e) => `${e.name} ${e.data.length}`) : [] };
    }),
  };
  writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);
  void Promise.all([github.close(), artifacts.close()]).then(() => process.exit(0));
});
