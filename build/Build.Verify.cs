using ClusterSnek.Kube;
using ClusterSnek.Pipeline;
using Serilog;

// Verify: live checks of the deployed release; a failure rolls back (unless --no-rollback) and fails the run.
partial class Build
{
    Target Verify => _ => _
        .Description("Check the running release (rollout, restarts, digests, live security context, /readyz, chain); roll back on failure")
        .After(Deploy)
        .Requires(new KubeContextRequirement(() => KubeContext))
        .Executes(async ct =>
        {
            var endpoints = DeployInputs.Endpoints(Manifest);
            var chain = DeployInputs.Chain(Manifest, ChainPath);
            try
            {
                if (KubeContext is null)
                {
                    var local = await LocalAsync(ct);
                    var expected = local.Runtime.History.Current?.Images ?? ReleaseImages;
                    await local.VerifyAsync(expected, endpoints, chain, TimeSpan.FromSeconds(Timeout), rollback: !NoRollback, ct);
                }
                else
                {
                    var cluster = await ClusterAsync(ct);
                    var workloads = await cluster.DeployedWorkloadsAsync(ct);
                    var revision = await cluster.Release.CurrentRevisionAsync(ct);
                    await cluster.VerifyAsync(revision, workloads, ReleaseImages, endpoints, chain, TimeSpan.FromSeconds(Timeout), rollback: !NoRollback, ct);
                }
                Log.Information("Verify succeeded");
            }
            catch (ReleaseFailedException e) when (AiEndpoint is not null)
            {
                Log.Information("{Analysis}", await AiAnalysis.ExplainAsync(e.Diagnosis.Count > 0 ? e.Diagnosis : [e.Message], AiEndpoint == "kubectl-ai" ? null : new Uri(AiEndpoint), AiKey, AiModel, ct));
                throw;
            }
        });
}
