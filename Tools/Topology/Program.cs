using Topology;

// topology: prints what the multikernel sees of this machine (TopologyCommand).
return TopologyCommand.Run(args, Console.Out, Console.Error);
