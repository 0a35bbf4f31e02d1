namespace ClusterSnek.Policies.Tests;

public sealed class ExceptionTests
{
    static readonly DateOnly Today = new(2026, 11, 25);

    static string Write(string yaml)
    {
        var file = Path.Combine(Repo.TempDirectory(), "policy-exceptions.yaml");
        File.WriteAllText(file, yaml);
        return file;
    }

    [Fact]
    public void An_expired_exception_fails_with_its_line_number()
    {
        var file = Write("exceptions:\n  - policy: CSK005\n    resource: Deployment/*/backend\n    reason: reviewed\n    expires: 2026-01-31\n");
        var e = Assert.Throws<PolicyInputException>(() => PolicyExceptionsFile.Load(file, Today));
        Assert.Equal($"{file}:2: exception for CSK005 on Deployment/*/backend expired on 2026-01-31. Fix the violation, or review the exception and set a new expiry date.", e.Message);
    }

    [Fact]
    public void An_exception_without_a_reason_fails_with_its_line_number()
    {
        var file = Write("exceptions:\n  - policy: CSK005\n    resource: Deployment/*/backend\n    expires: 2027-01-31\n  - policy: CSK006\n    resource: Deployment/*/x\n    expires: 2027-01-31\n");
        var e = Assert.Throws<PolicyInputException>(() => PolicyExceptionsFile.Load(file, Today));
        Assert.StartsWith($"{file}:2: exception is missing 'reason'", e.Message);
    }

    [Fact]
    public void An_exception_with_an_unknown_field_fails_naming_the_field()
    {
        var file = Write("exceptions:\n  - policy: CSK005\n    resource: Deployment/*/backend\n    reason: r\n    expires: 2027-01-31\n    expiry: 2027-01-31\n");
        var e = Assert.Throws<PolicyInputException>(() => PolicyExceptionsFile.Load(file, Today));
        Assert.StartsWith($"{file}:6: unknown field 'expiry'", e.Message);
    }

    [Fact]
    public void The_shipped_exceptions_file_is_valid_and_empty()
    {
        Assert.Empty(PolicyExceptionsFile.Load(Repo.Root / PolicyExceptionsFile.DefaultPath, Today));
    }

    [Fact]
    public async Task A_valid_exception_turns_a_violation_into_an_exception_used()
    {
        var file = Write("exceptions:\n  - policy: CSK005\n    resource: Deployment/csk005-fail/*\n    reason: the app writes a cache under /var\n    expires: 2099-12-31\n");
        var scan = await FixtureScan.GetAsync();
        var evaluator = FixtureScan.Evaluator(Repo.TempDirectory(), exceptions: PolicyExceptionsFile.Load(file, Today));
        var result = evaluator.Classify("excepted", scan.Raw, scan.Index, false);
        Assert.DoesNotContain(result.Violations, v => v.PolicyId == "CSK005");
        Assert.Contains(result.ExceptionsUsed, e => e.StartsWith("CSK005 Deployment/csk005-fail/app", StringComparison.Ordinal));
    }
}
