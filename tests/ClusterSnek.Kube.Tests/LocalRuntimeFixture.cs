using ClusterSnek.Tools;

namespace ClusterSnek.Kube.Tests;

/// <summary>
/// One test image, one registry and one podman storage for the local-runtime tests (podman start/stop cycles are
/// the slow part; the storage under /tmp stays between runs so the pause image is built once).
/// </summary>
public sealed class LocalRuntimeFixture : IAsyncLifetime
{
    public TestImage Image { get; private set; } = null!;
    public Podman Podman { get; private set; } = null!;
    public HttpClient Http { get; } = new();
    readonly List<LocalRuntime> started = [];
    readonly List<string> directories = [];

    public async ValueTask InitializeAsync()
    {
        var toolchain = Toolchain.ForRoot(new Pipeline.AbsolutePath(TestImage.Cache));
        await toolchain.ResolveAsync(ToolPins.Catatonit);
        await toolchain.ResolveAsync(ToolPins.Runc);
        Podman = new Podman(await toolchain.ResolveAsync(ToolPins.Podman), PodmanStorage.Under(Path.Combine(TestImage.Cache, "podman")));
        Image = await TestImage.BuildAsync(CancellationToken.None);
    }

    /// <summary>A deployment for a fresh environment (its own release history), removed again when the class is done.</summary>
    public LocalDeployment NewDeployment(string environment)
    {
        var artifacts = Directory.CreateDirectory(Path.Combine(TestImage.Cache, "artifacts-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        directories.Add(artifacts);
        var deployment = new LocalDeployment(Podman, artifacts, new LocalTarget(environment, "clustersnek-" + environment, "clustersnek", []), Http);
        deployment.Runtime.ReadyTimeout = TimeSpan.FromSeconds(10);
        started.Add(deployment.Runtime);
        return deployment;
    }

    /// <summary>A public port whose two slots (+10, +20) are free too: a release listens on all three over a redeploy.</summary>
    public static int Port()
    {
        while (true)
        {
            var port = TestImage.FreePort();
            if (port + 2 * LocalSlots.Stride <= 65535 && LoopbackPort.IsFree(port + LocalSlots.Stride) && LoopbackPort.IsFree(port + 2 * LocalSlots.Stride))
                return port;
        }
    }

    /// <summary>The test image deployed as app <paramref name="name"/> (its Deployment, labels and Secret carry that name).</summary>
    public PinnedImage App(string name) => new(name, Image.Reference, new Digest(Image.Digest));

    public IReadOnlyList<ImageVerdict> Verified(params PinnedImage[] images) =>
        images.Select(i => new ImageVerdict(i.Service, i.Digest, true, [])).ToList();

    public async ValueTask DisposeAsync()
    {
        foreach (var runtime in started) await runtime.DownAsync();
        await Image.DisposeAsync();
        Http.Dispose();
        foreach (var directory in directories) Directory.Delete(directory, recursive: true);
    }

    /// <summary>The value of the release's Secret (base64 in the manifests); it must never appear in artifacts/releases.</summary>
    public const string SecretValue = "s3cr3t-db-password";

    static readonly string SecretBase64 = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(SecretValue));

    /// <summary>A release as helm template prints it: objects podman runs and objects only a cluster has, plus a test hook.</summary>
    public static string Rendered(string name, string image, int port, string? www = null) => $$"""
        ---
        # Source: clustersnek/templates/namespace.yaml
        apiVersion: v1
        kind: Namespace
        metadata:
          name: clustersnek-dev
          labels:
            pod-security.kubernetes.io/enforce: restricted
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: {{name}}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: {{name}}-settings
        data:
          LOG_LEVEL: "info"
        ---
        apiVersion: v1
        kind: Secret
        metadata:
          name: {{name}}-db
        type: Opaque
        data:
          password: {{SecretBase64}}
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: {{name}}
        spec:
          selector:
            app.kubernetes.io/name: {{name}}
          ports:
            - port: {{port}}
              targetPort: http
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: default-deny
        spec:
          podSelector: {}
          policyTypes: [Ingress, Egress]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {{name}}
          labels:
            app.kubernetes.io/name: {{name}}
        spec:
          replicas: 1
          selector:
            matchLabels:
              app.kubernetes.io/name: {{name}}
          template:
            metadata:
              labels:
                app.kubernetes.io/name: {{name}}
            spec:
              serviceAccountName: {{name}}
              automountServiceAccountToken: false
              terminationGracePeriodSeconds: 2
              securityContext:
                runAsNonRoot: true
                runAsUser: 65532
                seccompProfile:
                  type: RuntimeDefault
              containers:
                - name: {{name}}
                  image: {{image}}
                  imagePullPolicy: IfNotPresent
                  ports:
                    - name: http
                      containerPort: {{port}}
                  env:
                    - name: ASPNETCORE_HTTP_PORTS
                      value: "{{port}}"
                    - name: LOG_LEVEL
                      valueFrom:
                        configMapKeyRef: {name: {{name}}-settings, key: LOG_LEVEL}
                    - name: DB_PASSWORD
                      valueFrom:
                        secretKeyRef: {name: {{name}}-db, key: password}
        {{(www is null ? "" : $"            - name: WWW\n              value: \"{www}\"")}}
                  readinessProbe:
                    httpGet:
                      path: /readyz
                      port: http
                  securityContext:
                    runAsUser: 65532
                    readOnlyRootFilesystem: true
                    allowPrivilegeEscalation: false
                    capabilities:
                      drop: [ALL]
                  volumeMounts:
                    - name: tmp
                      mountPath: /tmp
              volumes:
                - name: tmp
                  emptyDir: {}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: {{name}}-test
          labels:
            clustersnek.io/test-of: {{name}}
          annotations:
            helm.sh/hook: test
        spec:
          restartPolicy: Never
          securityContext:
            runAsUser: 65532
          containers:
            - name: wget
              image: {{image}}
              command: [/bin/busybox, wget, -q, -O, /dev/null, "http://{{name}}:{{port}}/healthz"]
              resources:
                limits: {memory: 32Mi}
        """;
}
