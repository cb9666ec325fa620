// The local GitHub REST and artifact servers an action test runs against, started before the tests
// of the file (or describe block) that calls this and closed after them.
import { afterAll, beforeAll } from 'vitest';
import { startGitHubApiServer, type FakeGitHubApi } from '../fakes/github-api-server.js';
import { startArtifactServer, type FakeArtifactService } from '../fakes/artifact-server.js';

export interface GitHubFakes {
  github: FakeGitHubApi;
  artifacts: FakeArtifactService;
}

export function useGitHubFakes(): GitHubFakes {
  const fakes = {} as GitHubFakes;
  beforeAll(async () => {
    fakes.github = await startGitHubApiServer();
    fakes.artifacts = await startArtifactServer();
  });
  afterAll(async () => {
    await fakes.github.close();
    await fakes.artifacts.close();
  });
  return fakes;
}
