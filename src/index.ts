import { run } from './action/main.js';

// The step ends when the gate is done: a request the toolkit gave up on (a stalled artifact
// upload leaves its socket open) must not hold the job until the runner's timeout. The timer is
// unref'd: a clean exit is not delayed; the second lets stdout drain where pipes are asynchronous.
void run().finally(() => setTimeout(() => process.exit(), 1000).unref());
