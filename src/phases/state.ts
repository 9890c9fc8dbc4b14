/**
 * The phase machine's state file (the exception of the import-graph rules: chain/init.ts may import
 * it from below): the state of a chain that has not started. Its type is MachineState
 * (src/chain/schema.ts), which chain/init.ts checks where it stores it.
 */
export function initialMachineState() {
  return {
    phase: 'requirements-clarification' as const,
    clarification_rounds: 0,
    context_iterations: 0,
    analysis_loops: 0,
    approval_rounds: 0,
    implementation_iterations: 0,
    generated_prompts: 0,
    focus: null,
    feedback: null,
    awaiting: null,
    seq: 0,
    test_generation_asks: 0,
    extra_iterations: 0,
  };
}
