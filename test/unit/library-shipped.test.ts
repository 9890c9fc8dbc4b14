/**
 * The built-in library must answer to every prompt name of the original design (seed §"Enhanced
 * Prompt Library", 88 names in 11 categories): as a prompt in its category, or as an alias of the
 * prompt it was merged into. Each is valid and a real instruction (a body of 25+ lines).
 */
import { describe, expect, it } from 'vitest';
import { createCatalog } from '../../src/library/catalog.js';
import { builtinPromptsDir, readPromptDir } from '../../src/library/load.js';

/** Seed names merged into another prompt that does the same job, alias → prompt. */
const MERGED: Record<string, string> = {
  cost_optimizer: 'cost_monitor',
  performance_auditor: 'performance_profiler',
  feature_toggle_manager: 'feature_flag_designer',
  chain_planner: 'prompt_selector',
  pattern_recognizer: 'memory_consolidator',
};

const EXPECTED: Record<string, string[]> = {
  system: [
    'new_case',
    'phase_controller',
    'uncertainty_analysis',
    'prompt_selector',
    'prompt_gap_detector',
    'prompt_generator',
    'context_preservation',
    'context_health_checker',
    'cost_monitor',
    'error_recovery',
    'pattern_extractor',
    'memory_consolidator',
    'assumption_validator',
  ],
  requirements: [
    'requirement_disambiguator',
    'requirement_validator',
    'requirement_extractor',
    'clarification_generator',
    'constraint_mapper',
  ],
  discovery: [
    'trace_existing_flow',
    'component_mapper',
    'dependency_analyzer',
    'api_surface_mapper',
    'database_schema_analyzer',
    'integration_point_finder',
    'performance_profiler',
    'dead_code_detector',
    'hidden_coupling_finder',
  ],
  design: [
    'solution_synthesizer',
    'solution_presenter',
    'solution_designer',
    'tdd_flow_controller',
    'api_contract_designer',
    'migration_strategist',
    'refactoring_planner',
    'feature_flag_designer',
    'cache_strategy_planner',
    'error_handler_designer',
  ],
  debug: [
    'stack_trace_analyzer',
    'log_pattern_finder',
    'reproduction_creator',
    'bisect_assistant',
    'state_debugger',
    'heisenbug_hunter',
  ],
  testing: [
    'test_generator',
    'integration_test_designer',
    'edge_case_generator',
    'mock_generator',
    'test_data_factory',
    'load_test_planner',
    'snapshot_test_creator',
  ],
  quality: [
    'simplicity_checker',
    'security_scanner',
    'code_reviewer',
    'architecture_checker',
    'performance_auditor',
    'accessibility_checker',
    'api_consistency_checker',
    'breaking_change_detector',
    'dependency_auditor',
    'bundle_size_analyzer',
  ],
  communication: [
    'pr_description_writer',
    'adr_generator',
    'status_reporter',
    'incident_postmortem',
    'api_doc_generator',
    'tech_debt_documenter',
  ],
  workflow: [
    'git_advisor',
    'pr_generator',
    'parallel_work_planner',
    'deployment_checker',
    'rollback_planner',
    'hotfix_orchestrator',
    'release_notes_generator',
    'environment_promoter',
    'feature_toggle_manager',
    'dependency_updater',
  ],
  stack_context: [
    'php_interpreter',
    'node_interpreter',
    'python_interpreter',
    'stack_detector',
    'go_interpreter',
    'rust_interpreter',
    'jvm_interpreter',
    'ruby_interpreter',
    'dotnet_interpreter',
    'frontend_interpreter',
  ],
  meta: [
    'chain_planner',
    'uncertainty_resolver',
    'learning_optimizer',
    'cost_optimizer',
    'chain_debugger',
    'confidence_calibrator',
    'prompt_effectiveness',
    'pattern_recognizer',
  ],
};

describe('shipped prompt library', async () => {
  const { docs, issues } = await readPromptDir(builtinPromptsDir(), 'built-in');

  it('lists 94 names in the expectation itself', () => {
    expect(Object.values(EXPECTED).flat()).toHaveLength(94);
  });

  it('has no invalid prompt file', () => {
    expect(issues.map((i) => `${i.file}: ${i.field}: ${i.problem}`)).toEqual([]);
  });

  it('ships every prompt of the original design in its category, or as an alias of the prompt it was merged into', () => {
    const have = new Set(docs.map((d) => `${d.category}/${d.name}`));
    const missing = Object.entries(EXPECTED)
      .flatMap(([cat, names]) => names.map((n) => `${cat}/${n}`))
      .filter((k) => !have.has(k) && !MERGED[k.split('/')[1]!]);
    expect(missing).toEqual([]);
    const catalog = createCatalog(docs);
    for (const [alias, into] of Object.entries(MERGED)) {
      expect(
        docs.some((d) => d.name === alias),
        `${alias} is merged, not shipped`,
      ).toBe(false);
      expect(catalog.get(alias)?.name, alias).toBe(into);
    }
    expect(docs).toHaveLength(94 - Object.keys(MERGED).length);
  });

  it('gives every prompt a body of at least 25 lines', () => {
    const short = docs
      .filter((d) => d.body.split('\n').length < 25)
      .map((d) => `${d.file}: ${d.body.split('\n').length} lines`);
    expect(short).toEqual([]);
  });

  it('keeps phase_controller free of variables (it is the cached system prompt)', () => {
    const pc = docs.find((d) => d.name === 'phase_controller');
    expect(pc?.body).toBeDefined();
    expect(pc?.body).not.toMatch(/\{\{/);
  });
});
