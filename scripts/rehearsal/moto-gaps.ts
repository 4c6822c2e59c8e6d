/**
 * What moto 5.2 cannot answer for the provider, and therefore what a stack synthesized in rehearsal mode
 * (TASK_API_REHEARSAL_ENDPOINT: the rehearsal and the workflow runs, never a deployable stack) leaves out:
 * one list, applied by the stack itself to every resource of the named type as a Terraform JSON
 * override. Each entry names the moto call that is missing. Nothing else is excluded: any other
 * difference on re-plan fails the rehearsal.
 */
import { TerraformResource } from 'cdktf';
import type { IConstruct } from 'constructs';

export interface MotoGap {
  /** The Terraform resource type the gap concerns. */
  resourceType: string;
  /** What the override sets on every resource of that type (Terraform JSON, merged into the resource). */
  override: Record<string, unknown>;
  /** The moto call (or field of one) that is missing. */
  missingMotoCall: string;
}

export const MOTO_GAPS: MotoGap[] = [
  {
    resourceType: 'aws_lambda_function',
    override: { lifecycle: { ignore_changes: ['logging_config'] } },
    missingMotoCall:
      'lambda GetFunction / GetFunctionConfiguration: moto 5.2 does not store LoggingConfig from CreateFunction, so it reads back empty and every re-plan would set it again',
  },
  {
    resourceType: 'aws_api_gateway_account',
    override: { reset_on_delete: false },
    missingMotoCall:
      'apigateway UpdateAccount: moto 5.2 answers 500 to the patch that clears cloudwatchRoleArn (a "remove" without a value), which reset_on_delete sends on destroy; the provider retries it for ever',
  },
];

/** `{ lifecycle: { ignore_changes: [...] } }` -> [['lifecycle.ignore_changes', [...]]]: paths for addOverride. */
function overridePaths(value: Record<string, unknown>, prefix = ''): Array<[string, unknown]> {
  return Object.entries(value).flatMap(([key, inner]) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? overridePaths(inner as Record<string, unknown>, `${prefix}${key}.`)
      : [[`${prefix}${key}`, inner] as [string, unknown]],
  );
}

/** Applies every gap to the resources of its type under `scope`. */
export function applyMotoGaps(scope: IConstruct): void {
  for (const node of scope.node.findAll()) {
    if (!(node instanceof TerraformResource)) continue;
    for (const gap of MOTO_GAPS.filter((candidate) => candidate.resourceType === node.terraformResourceType)) {
      for (const [path, value] of overridePaths(gap.override)) node.addOverride(path, value);
    }
  }
}
