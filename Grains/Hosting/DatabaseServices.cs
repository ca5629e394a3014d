using Inspector.Grains.Configuration;
using Inspector.Grains.Storage;
using Inspector.Grains.Storage.Postgres;
using Inspector.Grains.Storage.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Inspector.Grains.Hosting;

/// <summary>The stores behind the grains, chosen by the kind of <c>[database] connection</c>.</summary>
public static class DatabaseServices
{
    public static DatabaseConnection Connection(IConfiguration configuration) =>
        DatabaseConnection.Parse(OptionsLoader.Load<DatabaseOptions>(configuration).Connection);

    /// <summary>
    /// For PostgreSQL: the process's data source and a start-up step that applies the schema
    /// migrations. Hosts call this before UseOrleans, so the migrations (and a clear error when
    /// the database cannot be reached) come before the silo or client reads its membership
    /// queries. Nothing for SQLite, whose database the silo opens (and migrates) itself.
    /// </summary>
    public static IServiceCollection AddInspectorDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        var connection = Connection(configuration);
        if (connection.IsPostgres)
        {
            services.TryAddSingleton(_ => new PostgresDatabase(connection));
            services.TryAddSingleton<PostgresSchema>();
            if (!services.Any(d => d.ImplementationType == typeof(SchemaAtStartup)))
            {
                services.AddHostedService<SchemaAtStartup>();
            }
        }

        return services;
    }

    /// <summary>The node, introspection data and rule stores of a silo.</summary>
    internal static IServiceCollection AddInspectorStores(this IServiceCollection services, IConfiguration configuration)
    {
        var connection = Connection(configuration);
        if (connection.IsPostgres)
        {
            services.AddInspectorDatabase(configuration);
            services.AddSingleton<INodeStore, PostgresNodeStore>();
            services.AddSingleton<IIntrospectionDataStore, PostgresIntrospectionDataStore>();
            services.AddSingleton<IRuleStore, PostgresRuleStore>();
            // Also when a host did not run SchemaAtStartup first (e.g. an Orleans test cluster).
            services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, SchemaBeforeSilo>();
            return services;
        }

        services.AddSingleton(sp => new SqliteDatabase(connection.Target, sp.GetRequiredService<ILogger<SqliteDatabase>>()));
        services.AddSingleton<INodeStore, SqliteNodeStore>();
        services.AddSingleton<IIntrospectionDataStore, SqliteIntrospectionDataStore>();
        services.AddSingleton<IRuleStore, SqliteRuleStore>();
        return services;
    }

    private sealed class SchemaAtStartup(PostgresSchema schema) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => schema.EnsureAppliedAsync().WaitAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class SchemaBeforeSilo(PostgresSchema schema) : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(SchemaBeforeSilo), ServiceLifecycleStage.First, _ => schema.EnsureAppliedAsync());
    }
}
