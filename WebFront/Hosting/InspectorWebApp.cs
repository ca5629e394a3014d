using System.Net;
using Inspector.Grains.Configuration;
using Inspector.WebFront.Api;
using Inspector.WebFront.Auth;
using Microsoft.AspNetCore.HttpOverrides;

namespace Inspector.WebFront.Hosting;

/// <summary>Builds the web front from a command line, for Program and for tests that host it in-process.</summary>
public static class InspectorWebApp
{
    /// <exception cref="InvalidConfigurationException">An option has an unusable value.</exception>
    public static WebApplication Create(string[] args)
    {
        var builder = WebApplication.CreateBuilder(ConfigurationBuilderExtensions.WithoutConfigFiles(args));
        builder.Configuration.AddInspectorConfigFiles(args);
        var defaults = OptionsLoader.Load<DefaultOptions>(builder.Configuration);
        var processing = OptionsLoader.Load<ProcessingOptions>(builder.Configuration);

        builder.AddInspectorOrleans();
        // On SIGTERM the hosted services stop in reverse order: the web server first (it stops
        // accepting, then waits for the requests it has, processing included), the silo after it.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = defaults.ShutdownTimeout);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = processing.MaxRequestBodySize;
            RequestLimits.ApplyBackstops(kestrel.Limits);
            // Kestrel refuses header bytes beyond ASCII itself, with an empty 400; as Latin-1 every
            // byte gets through to the API, which answers in its own format.
            kestrel.RequestHeaderEncodingSelector = _ => System.Text.Encoding.Latin1;
            kestrel.Listen(ParseListenAddress(defaults.ListenAddress), defaults.ListenPort);
        });
        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            // Links must name the URL clients used, also behind a TLS-terminating proxy.
            o.ForwardedHeaders = ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost | ForwardedHeaders.XForwardedPrefix;
            o.KnownIPNetworks.Clear();
            o.KnownProxies.Clear();
        });

        var users = defaults.AuthStrategy == "http_basic" ? HtpasswdFile.Load(defaults.HttpBasicAuthUserFile) : null;

        var app = builder.Build();
        OptionsLoader.WarnAboutUnknownOptions(builder.Configuration, app.Logger);

        app.Use((context, next) =>
        {
            // The forwarded-headers middleware throws on a host it cannot encode (e.g. an empty
            // IDN label): such a header is ignored, like any other the proxy did not send.
            if (context.Request.Headers["X-Forwarded-Host"] is { Count: > 0 } hosts && !hosts.All(IsEncodableHost))
            {
                context.Request.Headers.Remove("X-Forwarded-Host");
            }

            return next(context);
        });
        app.UseForwardedHeaders();
        app.UseApiVersions();
        app.UseApiErrors();
        app.UseRequestLimits();
        if (users is not null)
        {
            app.UseHttpBasicAuthentication(users);
        }

        app.UseRoutingWithAutomaticMethods();

        app.MapRootEndpoints();
        app.MapIntrospectionEndpoints();
        app.MapIntrospectionDataEndpoints();
        app.MapContinueEndpoints();
        app.MapRuleEndpoints();
        return app;
    }

    private static bool IsEncodableHost(string? value)
    {
        try
        {
            foreach (var host in (value ?? "").Split(','))
            {
                _ = new HostString(host.Trim()).ToUriComponent();
            }

            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static IPAddress ParseListenAddress(string value) =>
        IPAddress.TryParse(value.Trim('[', ']'), out var address)
            ? address
            : throw new InvalidConfigurationException(
                $"Invalid value '{value}' for option [DEFAULT] listen_address: expected an IP address");
}
