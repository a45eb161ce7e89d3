using Bulwark;

namespace Replicas;

/// <summary>How many units of a SKU a warehouse holds: the shard keeps one row per SKU, the latest the feed sent.</summary>
[ArrowRecord("stock_levels")]
public sealed partial record StockLevel(string Sku, int Quantity, string Warehouse);
