namespace ClusterSnek.Kube.Tests;

/// <summary>The service-identity check on /healthz bodies in the shape the services answer (src/services/common/ServiceHost.cs).</summary>
public sealed class ServiceIdentityCheckTests
{
    static readonly ServiceEndpoint Backend = new("backend", 18081, "/readyz");

    static LiveContainer Running(string? revision) =>
        new("backend", "backend-pod", "backend", "img", null, "running", null, true, 0, null, new LiveSecurity(65532, true, [], false, "RuntimeDefault"))
        { ImageRevision = revision };

    static string Health(string service, string? revision) =>
        $$"""{"service":"{{service}}","version":"1.0.0","revision":{{(revision is null ? "null" : $"\"{revision}\"")}},"status":"ok","reason":null}""";

    [Fact]
    public void A_service_naming_itself_with_the_image_revision_passes() =>
        Assert.Equal(CheckOutcome.Passed, ServiceIdentityCheck.Evaluate(Backend, Health("backend", "abc123"), [Running("abc123")]).Outcome);

    [Fact]
    public void A_port_answering_as_another_service_fails_naming_both()
    {
        var check = ServiceIdentityCheck.Evaluate(Backend, Health("frontend", "abc123"), [Running("abc123")]);
        Assert.Equal(CheckOutcome.Failed, check.Outcome);
        Assert.Equal("port 18081 answers as frontend, not backend", check.Evidence);
    }

    [Fact]
    public void A_revision_other_than_the_image_label_fails()
    {
        var check = ServiceIdentityCheck.Evaluate(Backend, Health("backend", "old999"), [Running("abc123")]);
        Assert.Equal(CheckOutcome.Failed, check.Outcome);
        Assert.Contains("revision old999", check.Evidence);
    }

    [Fact]
    public void An_image_that_states_no_identity_is_not_checked_rather_than_passed() =>
        Assert.Equal(CheckOutcome.NotChecked, ServiceIdentityCheck.Evaluate(Backend, "ok\n", [Running(null)]).Outcome);

    [Fact]
    public void A_health_endpoint_that_does_not_answer_fails() =>
        Assert.Equal(CheckOutcome.Failed, ServiceIdentityCheck.Evaluate(Backend, null, [Running("abc123")]).Outcome);
}
