/** The chain's test command, settled before its first prompt (a question to the human when nothing tells it). */
import { AwaitingInputError } from '../errors.js';
import { detectTestCommand, probeWorkspace, proposeTestCommand, splitCommand } from '../tools/testCommand.js';
import type { DriveDeps } from './deps.js';
import { askQuestions } from './gates.js';
import type { ChainSession } from './session.js';
import { TEST_COMMAND_QUESTION } from './testing.js';

/**
 * Resolves the chain's test command before its first prompt (and again on every resume, so that a
 * changed config takes effect): config `test_command` wins, else the workspace's files decide (src/tools/testCommand.ts), else the human is asked, with a
 * proposed command as the default (`--yes` takes it; without a terminal the chain waits:
 * AwaitingInputError, exit 3, and `answer ID --answer test_command="…"` supplies it).
 */
export async function resolveTestCommand(session: ChainSession, deps: DriveDeps): Promise<void> {
  const ctx = session.ctx;
  const configured = deps.config.test_command;
  const CONFIG = 'config test_command';
  // Config wins, also when it changed since the chain started; a command that came from a config
  // that no longer sets one is found again.
  if (
    configured?.length &&
    ctx.test_command?.source === CONFIG &&
    ctx.test_command.argv.join('\0') === configured.join('\0')
  )
    return;
  if (!configured?.length && ctx.test_command && ctx.test_command.source !== CONFIG) return;
  if (!configured?.length) ctx.test_command = null;
  if (configured?.length) {
    ctx.test_command = { argv: [...configured], source: CONFIG };
  } else {
    const probe = probeWorkspace(deps.workspace);
    const found = detectTestCommand(probe);
    if (found) {
      ctx.test_command = found;
    } else {
      let q = ctx.questions.find((x) => x.id === TEST_COMMAND_QUESTION);
      if (!q) {
        q = {
          id: TEST_COMMAND_QUESTION,
          question:
            "No test command could be told from this workspace (no package.json test script other than npm's placeholder, no pytest, go.mod, Cargo.toml, Maven/Gradle, Gemfile, .NET project, composer/phpunit or Makefile test target). Which command runs its tests?",
          why: 'The chain runs it for the baseline, the red run and every implementation iteration; a command that cannot pass would fail every iteration.',
          default_answer: proposeTestCommand(probe),
          answer: null,
          answered_by: null,
          round: 1,
        };
        ctx.questions.push(q);
        await session.save();
      }
      if (q.answer === null) await askQuestions(session, deps);
      const answered = session.ctx.questions.find((x) => x.id === TEST_COMMAND_QUESTION);
      const argv = splitCommand(answered?.answer ?? '');
      if (!argv.length) {
        // A blank answer: ask again next time rather than run nothing.
        if (answered) answered.answer = null;
        throw new AwaitingInputError(
          `chain ${ctx.chain_id} needs a test command`,
          `Answer with \`claude-exec answer ${ctx.chain_id} --answer ${TEST_COMMAND_QUESTION}="npm test"\` (the command that runs this workspace's tests).`,
        );
      }
      session.ctx.test_command = {
        argv,
        source: `answer to ${TEST_COMMAND_QUESTION} (${answered?.answered_by ?? 'user'})`,
      };
    }
  }
  deps.ui.progress.info(
    `  test command: ${session.ctx.test_command!.argv.join(' ')} (from ${session.ctx.test_command!.source})`,
  );
  await session.save();
}
