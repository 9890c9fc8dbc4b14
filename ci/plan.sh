#!/usr/bin/env bash
# A plan-only claude-exec run for CI. The chain runs through requirements, context building and
# analysis and stops AT the solution gate (--until solution-approval: nothing is approved, nothing
# is written to the workspace); clarifying questions take their proposed defaults (--yes, recorded
# as assumptions). The chain's spec — acceptance criteria, decisions, the solution — is printed on
# stdout as Markdown, ready to be a pull-request or issue comment; progress goes to stderr.
#
#   ci/plan.sh "Add rate limiting to the public API" [claude-exec options…] > plan.md
#
# Options after the task go to claude-exec (e.g. --max-cost 2, --model claude-sonnet-4-6, --cwd DIR).
# Environment: CLAUDE_EXEC — the claude-exec command to run (default: claude-exec on PATH).
# Exit codes are claude-exec's: 0 the plan is ready, 3 it needs a human (the reason on stderr),
# 4 the budget was reached, 5 the API failed, 2 bad input. The chain can be continued later with
# `claude-exec approve ID` (the id is printed on stderr).
set -euo pipefail

if [ "$#" -lt 1 ] || [ -z "${1// /}" ]; then
  echo 'usage: plan.sh "task" [claude-exec options…]' >&2
  exit 2
fi
task=$1
shift
bin=${CLAUDE_EXEC:-claude-exec}

status=0
run=$("$bin" --json --yes --until solution-approval "$@" -- "$task") || status=$?
# The run@1 document: its chain id, and the error when it stopped short of the gate.
read -r id message < <(printf '%s' "$run" | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    let doc = {}; try { doc = JSON.parse(s); } catch {}
    const msg = doc.error ? doc.error.message : "";
    process.stdout.write(`${doc.chain_id || "-"} ${String(msg).replace(/\s+/g, " ")}\n`);
  });')
if [ "$status" -ne 0 ]; then
  echo "plan.sh: claude-exec stopped (exit $status)${id:+ in chain $id}: ${message:-see above}" >&2
  exit "$status"
fi
echo "plan.sh: chain $id waits at the solution gate — claude-exec approve $id continues it" >&2
"$bin" "$@" spec "$id"
