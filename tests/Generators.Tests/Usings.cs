global using Xunit;
global using Apache.Arrow;
global using Apache.Arrow.Types;
