using System.Security.Cryptography;
using ClusterSnek.Pipeline;
using ClusterSnek.Images.Distribution;
using ClusterSnek.Supply.Signing;

namespace ClusterSnek.Supply.Tests.Signing;

/// <summary>
/// A passing verdict of the attestation policies is kept (sealed) and spares the next trivy run for the same statements, until
/// the oldest provenance reaches the age limit; an edited verdict file is not taken. Real policies, real pinned trivy.
/// </summary>
public sealed class AttestationVerdictReuseTests : IDisposable
{
    static readonly ImageReference Repository = ImageReference.Parse("127.0.0.1:5000/clustersnek/backend");
    static readonly DateTimeOffset Built = new(2026, 1, 31, 0, 0, 0, TimeSpan.Zero);
    static readonly ResultSeal Key = ResultSeal.FromKey(Convert.ToHexString(RandomNumberGenerator.GetBytes(32)));
    readonly string work = Path.Combine(Path.GetTempPath(), "clustersnek-verdict-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose() { try { Directory.Delete(work, recursive: true); } catch (IOException) { } }

    async Task<AttestationRego> RegoAsync() => new(await RealTools.TrivyAsync(), Regos.RegoDirectory, work)
    {
        VerdictFile = Path.Combine(work, "verdict"), VerdictSeal = Key,
    };

    static AttestationPolicy Policy(DateTimeOffset now) =>
        new(ProvenanceFacts.BuildType, [AttestationCases.Local], AttestationCases.Commit, _ => null) { Now = now };

    static AttestationInput Provenance() => new("backend", Repository, AttestationCases.Image, InTotoStatement.For(Repository, AttestationCases.Image,
        InTotoStatement.SlsaProvenancePredicate, new ProvenanceFacts(AttestationCases.Local, "1.0", "Sign", new Dictionary<string, object?>(), null,
            AttestationCases.Commit, "urn:uuid:1", Built, Built).ToPredicate()));

    string Result => Path.Combine(work, "policy-result.json");

    async Task<IReadOnlyList<string>> JudgeAsync(DateTimeOffset now)
    {
        if (File.Exists(Result)) File.Delete(Result);
        return (await (await RegoAsync()).EvaluateAsync([Provenance()], Policy(now), TestContext.Current.CancellationToken)).Single();
    }

    [Fact]
    public async Task A_pass_is_reused_until_the_provenance_ages_out_and_an_edited_verdict_is_not_taken()
    {
        Assert.Empty(await JudgeAsync(Built.AddHours(1)));
        Assert.True(File.Exists(Result)); // trivy ran

        Assert.Empty(await JudgeAsync(Built.AddDays(2)));
        Assert.False(File.Exists(Result)); // the kept pass: trivy did not run

        var verdict = Path.Combine(work, "verdict");
        File.WriteAllText(verdict, File.ReadAllText(verdict).Replace("2026-03", "2099-03", StringComparison.Ordinal));
        Assert.Contains("2099-03", File.ReadAllText(verdict), StringComparison.Ordinal); // a pass made to last longer
        Assert.Empty(await JudgeAsync(Built.AddDays(3)));
        Assert.True(File.Exists(Result)); // the seal did not verify: trivy ran again

        var aged = await JudgeAsync(Built.AddDays(31)); // past the 30 days: not reused, and ATT006 refuses it
        Assert.True(File.Exists(Result));
        Assert.StartsWith("ATT006 ", Assert.Single(aged), StringComparison.Ordinal);
    }
}
