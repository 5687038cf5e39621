using Compute.Cli;

return ComputeCommand.Build().Parse(args).Invoke();
