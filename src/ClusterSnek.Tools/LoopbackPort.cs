using System.Net;
using System.Net.Sockets;

namespace ClusterSnek.Tools;

/// <summary>Ports on 127.0.0.1: whether one is free, and a free one the OS picks (for the registry, smoke tests, the release's block).</summary>
public static class LoopbackPort
{
    /// <summary>Nothing listens on the port on 127.0.0.1 (a bind succeeds).</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException) { return false; }
    }

    /// <summary>A port the OS reports free right now (another process may still take it before it is used).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
