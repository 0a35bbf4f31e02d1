using ClusterSnek.Kube;
using ClusterSnek.Pipeline;
using ClusterSnek.Reports.Audit;
using Serilog;

// Verify: live checks of the deployed release; a failure rolls back (unless --no-rollback) and fails the run.
partial class Build
{
    Target Verify => _ => _
        .Description("Check the running release (rollout, restarts, digests, live security context, /readyz, chain); roll back on failure")
        .After(Deploy)
        .Reads(Sections.Images, Sections.Deployment)
        .Requires(new KubeContextRequirement(() => KubeContext))
        .Executes(async ct =>
        {
            var endpoints = DeployInputs.Endpoints(Manifest, LocalPorts);
            var chain = DeployInputs.Chain(Manifest, ChainPath);
            var subject = $"{Manifest.Chart.Release} ({Env}, {KubeContext ?? "local runtime"})";
            try
            {
                VerificationRecord verification;
                if (KubeContext is null)
                {
                    var local = await LocalAsync(ct);
                    var expected = local.Runtime.History.Current?.Images ?? ReleaseImages;
                    verification = await local.VerifyAsync(expected, endpoints, chain, TimeSpan.FromSeconds(Timeout), rollback: !NoRollback, ct);
                }
                else
                {
                    var cluster = await ClusterAsync(ct);
                    var workloads = await cluster.DeployedWorkloadsAsync(ct);
                    var revision = await cluster.Release.CurrentRevisionAsync(ct);
                    verification = await cluster.VerifyAsync(revision, workloads, ReleaseImages, endpoints, chain, TimeSpan.FromSeconds(Timeout), rollback: !NoRollback, ct);
                }
                Run.Set(Sections.Verification, verification);
                Log.Information("Verify succeeded");
            }
            catch (ReleaseFailedException e)
            {
                if (e.Verification is { } failed)
                {
                    Run.Set(Sections.Verification, failed);
                    if (failed.Rollback is { } rollback)
                        Audit(AuditAction.Rollback, $"{subject}: {rollback.Summary}; reason: {rollback.Reason}", null, rollback.Restored ? AuditOutcome.Succeeded : AuditOutcome.Failed);
                }
                await ReadWithAiAsync(e, ct);
                throw;
            }
        });

    /// <summary>The optional AI reading of a failed release, logged beside the analyzers' diagnosis; without --ai-endpoint one line and nothing sent.</summary>
    async Task ReadWithAiAsync(ReleaseFailedException failure, CancellationToken ct)
    {
        if (AiEndpoint is null) { Log.Information(AiAnalysis.Off); return; }
        var findings = failure.Diagnosis.Count > 0 ? failure.Diagnosis : [new DiagnosisFinding("release", failure.Message, "", null)];
        Log.Information("{Analysis}", await AiAnalysis.ExplainAsync(findings, AiEndpoint == "kubectl-ai" ? null : new Uri(AiEndpoint), AiKey, AiModel, ct));
    }
}
