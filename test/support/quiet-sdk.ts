/**
 * Preloaded by `npm run test:*` (`--import`): the AWS SDK's notice that its 2027 releases need Node 22 is
 * not a test result (the README says which Node the project supports). scripts/test.sh sets the same.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
