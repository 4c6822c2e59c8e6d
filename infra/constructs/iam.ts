import { Fn } from 'cdktf';

/**
 * IAM policy documents as plain JSON (tokens such as ARNs resolve inside the string at synth time), so the
 * synthesized stack can be checked statement by statement and `terraform plan` shows them verbatim.
 */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export function policyDocument(statements: PolicyStatement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

/** The trust policy letting one AWS service assume a role. */
export function assumeRolePolicy(service: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });
}

/**
 * `arn:<partition>:iam::<account>:root` of the account that owns `arn` (any ARN of this stack): the
 * account principal, without a data source that would call STS during an offline plan.
 */
export function accountRootOf(arn: string): string {
  return `arn:${partitionOf(arn)}:iam::${accountIdOf(arn)}:root`;
}

/** The partition in `arn` (`aws`, `aws-cn`, …): ARNs of AWS managed policies are built with it. */
export function partitionOf(arn: string): string {
  return Fn.element(Fn.split(':', arn), 1);
}

/** The account id in `arn` (any ARN of this stack), for `aws:SourceAccount` conditions. */
export function accountIdOf(arn: string): string {
  return Fn.element(Fn.split(':', arn), 4);
}
