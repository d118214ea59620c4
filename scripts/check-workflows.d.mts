// Types for scripts/check-workflows.mjs (plain JavaScript so .ci/run runs it without a build step).
export interface WorkflowFinding {
  line: number;
  message: string;
}
export function lintWorkflow(text: string): WorkflowFinding[];
