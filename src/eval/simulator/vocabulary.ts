/**
 * The words the synthetic shop builds its catalogue from: a two-level category tree, and per top
 * category the adjectives, variants (sizes, colours, packs), brands and price level its items draw on.
 * All names are invented; only the shape matters.
 */

export interface SubcategoryWords {
  name: string;
  /** Product nouns; a title is "<adjective> <noun> <variant>". */
  nouns: readonly string[];
}

export interface CategoryWords {
  name: string;
  /** Median price of the category in currency units; subcategories scatter around it. */
  medianPrice: number;
  /** Standard deviation of log price (the log-normal's sigma). */
  priceSpread: number;
  adjectives: readonly string[];
  /** Appended to titles; '' means no variant. */
  variants: readonly string[];
  brands: readonly string[];
  /** Phrase completing "Made for ..." in descriptions. */
  purpose: string;
  subcategories: readonly SubcategoryWords[];
}

/**
 * Cross-category styles: a latent taste dimension each, shown to models only through a tag, a phrase in
 * the description and, half of the time, the title's adjective.
 */
export const STYLES = [
  { tag: 'eco-friendly', adjectives: ['Organic', 'Eco', 'Recycled'], phrase: 'Sustainably made' },
  { tag: 'premium', adjectives: ['Premium', 'Deluxe', 'Signature'], phrase: 'Premium quality' },
  { tag: 'value', adjectives: ['Everyday', 'Basic', 'Essential'], phrase: 'Great value' },
  { tag: 'classic', adjectives: ['Classic', 'Traditional', 'Heritage'], phrase: 'A timeless classic' },
  { tag: 'trending', adjectives: ['Modern', 'Bold', 'Urban'], phrase: 'Trending this season' },
  { tag: 'handmade', adjectives: ['Handmade', 'Artisan', 'Hand-crafted'], phrase: 'Made by hand in small batches' },
] as const;

export const STYLE_COUNT = STYLES.length;

/** Ten top categories; `ShopOptions.categories` takes the first n. */
export const CATEGORY_WORDS: readonly CategoryWords[] = [
  {
    name: 'Groceries',
    medianPrice: 6,
    priceSpread: 0.5,
    purpose: 'the pantry and the breakfast table',
    adjectives: ['Fresh', 'Fine', 'Roasted', 'Wholegrain', 'Spicy', 'Mild'],
    variants: ['100g', '250g', '500g', '1kg', ''],
    brands: ['Hillfarm', 'Golden Leaf', 'Nordmill', 'Casa Verde', 'Tidewell', 'Oakridge'],
    subcategories: [
      { name: 'Tea', nouns: ['Green Tea', 'Black Tea', 'Chamomile Tea', 'Earl Grey', 'Rooibos'] },
      { name: 'Coffee', nouns: ['Espresso Beans', 'Filter Coffee', 'Cold Brew', 'Decaf Coffee'] },
      { name: 'Snacks', nouns: ['Almonds', 'Granola Bars', 'Potato Crisps', 'Dark Chocolate', 'Rice Crackers'] },
      { name: 'Pasta & Rice', nouns: ['Spaghetti', 'Penne', 'Basmati Rice', 'Arborio Rice', 'Egg Noodles'] },
      { name: 'Spices', nouns: ['Smoked Paprika', 'Cumin', 'Curry Powder', 'Black Pepper', 'Cinnamon'] },
    ],
  },
  {
    name: 'Beauty',
    medianPrice: 18,
    priceSpread: 0.6,
    purpose: 'a calm daily routine',
    adjectives: ['Soothing', 'Hydrating', 'Gentle', 'Radiant', 'Nourishing', 'Fresh'],
    variants: ['30ml', '50ml', '100ml', '200ml', ''],
    brands: ['Lumea', 'Petal & Pine', 'Dermaloft', 'Aurine', 'Velvetta', 'Kiso'],
    subcategories: [
      { name: 'Skin Care', nouns: ['Face Cream', 'Serum', 'Cleanser', 'Sunscreen', 'Night Mask'] },
      { name: 'Hair Care', nouns: ['Shampoo', 'Conditioner', 'Hair Oil', 'Styling Gel'] },
      { name: 'Makeup', nouns: ['Lipstick', 'Mascara', 'Foundation', 'Eyeliner', 'Blush'] },
      { name: 'Fragrance', nouns: ['Eau de Parfum', 'Body Mist', 'Scented Candle', 'Cologne'] },
    ],
  },
  {
    name: 'Electronics',
    medianPrice: 90,
    priceSpread: 0.9,
    purpose: 'work, play and everything in between',
    adjectives: ['Wireless', 'Compact', 'Smart', 'Portable', 'Fast', 'Quiet'],
    variants: ['Mini', 'Pro', 'X2', 'Lite', ''],
    brands: ['Voltra', 'Nexio', 'Brightwave', 'Kairo', 'Sonique', 'Pixelforge'],
    subcategories: [
      { name: 'Headphones', nouns: ['Earbuds', 'Over-Ear Headphones', 'Headset', 'Sports Earphones'] },
      { name: 'Phone Accessories', nouns: ['Phone Case', 'Charger', 'Power Bank', 'USB-C Cable', 'Screen Protector'] },
      { name: 'Computers', nouns: ['Keyboard', 'Mouse', 'Monitor', 'Laptop Stand', 'Webcam'] },
      { name: 'Cameras', nouns: ['Action Camera', 'Tripod', 'Camera Bag', 'Memory Card'] },
      { name: 'Smart Home', nouns: ['Smart Plug', 'Smart Bulb', 'Doorbell Camera', 'Thermostat'] },
    ],
  },
  {
    name: 'Home & Kitchen',
    medianPrice: 30,
    priceSpread: 0.7,
    purpose: 'a home that works',
    adjectives: ['Stoneware', 'Cast-Iron', 'Stackable', 'Soft', 'Nordic', 'Rustic'],
    variants: ['Set of 2', 'Set of 4', 'Large', 'Small', ''],
    brands: ['Hearthly', 'Maison Lin', 'Kettleby', 'Fjordhus', 'Copperline', 'Nestwell'],
    subcategories: [
      { name: 'Cookware', nouns: ['Frying Pan', 'Saucepan', 'Dutch Oven', 'Wok', 'Baking Tray'] },
      { name: 'Tableware', nouns: ['Dinner Plates', 'Mugs', 'Wine Glasses', 'Serving Bowl'] },
      { name: 'Bedding', nouns: ['Duvet Cover', 'Pillowcases', 'Fitted Sheet', 'Throw Blanket'] },
      { name: 'Decor', nouns: ['Vase', 'Wall Clock', 'Photo Frame', 'Cushion', 'Table Lamp'] },
      { name: 'Storage', nouns: ['Storage Box', 'Spice Rack', 'Laundry Basket', 'Shelf Organiser'] },
    ],
  },
  {
    name: 'Fashion',
    medianPrice: 40,
    priceSpread: 0.7,
    purpose: 'every day of the week',
    adjectives: ['Linen', 'Cotton', 'Slim-Fit', 'Relaxed', 'Waterproof', 'Wool'],
    variants: ['Black', 'Navy', 'Olive', 'Sand', 'Red'],
    brands: ['Marlow & Co', 'Threadline', 'Nordvik', 'Ellison', 'Vantage', 'Kinfolk'],
    subcategories: [
      { name: "Women's Clothing", nouns: ['Summer Dress', 'Blouse', 'Cardigan', 'Wide Trousers', 'Skirt'] },
      { name: "Men's Clothing", nouns: ['Shirt', 'Chinos', 'Hoodie', 'Jacket', 'Polo Shirt'] },
      { name: 'Shoes', nouns: ['Sneakers', 'Ankle Boots', 'Loafers', 'Sandals'] },
      { name: 'Bags', nouns: ['Backpack', 'Tote Bag', 'Crossbody Bag', 'Weekender'] },
      { name: 'Jewellery', nouns: ['Necklace', 'Earrings', 'Bracelet', 'Ring'] },
    ],
  },
  {
    name: 'Sports & Outdoors',
    medianPrice: 35,
    priceSpread: 0.8,
    purpose: 'training and the trail',
    adjectives: ['Lightweight', 'Breathable', 'Durable', 'Foldable', 'Insulated', 'Grippy'],
    variants: ['S', 'M', 'L', '2-Pack', ''],
    brands: ['Stridewell', 'Peakline', 'Ridgeback', 'Aerofit', 'Tallwood', 'Kestrel'],
    subcategories: [
      { name: 'Running', nouns: ['Running Shoes', 'Running Vest', 'Sports Socks', 'Water Bottle'] },
      { name: 'Cycling', nouns: ['Bike Helmet', 'Bike Light', 'Cycling Gloves', 'Saddle Bag'] },
      { name: 'Camping', nouns: ['Tent', 'Sleeping Bag', 'Camping Stove', 'Headlamp', 'Camp Chair'] },
      { name: 'Fitness', nouns: ['Dumbbells', 'Resistance Bands', 'Kettlebell', 'Jump Rope'] },
      { name: 'Yoga', nouns: ['Yoga Mat', 'Yoga Block', 'Meditation Cushion', 'Yoga Strap'] },
    ],
  },
  {
    name: 'Books',
    medianPrice: 14,
    priceSpread: 0.4,
    purpose: 'a quiet evening',
    adjectives: ['Illustrated', 'Bestselling', 'Complete', 'Pocket', 'Annotated', 'New'],
    variants: ['Paperback', 'Hardcover', ''],
    brands: ['Inkwell Press', 'Lantern Books', 'Greyfriar', 'Paperkite', 'Northlight', 'Quillmark'],
    subcategories: [
      { name: 'Fiction', nouns: ['Mystery Novel', 'Fantasy Saga', 'Short Stories', 'Romance Novel', 'Thriller'] },
      { name: 'Cookbooks', nouns: ['Baking Book', 'Vegetarian Cookbook', 'Pasta Cookbook', 'Quick Meals Book'] },
      { name: "Children's Books", nouns: ['Picture Book', 'Bedtime Stories', 'First Reader', 'Activity Book'] },
      { name: 'Science', nouns: ['Astronomy Guide', 'History of Physics', 'Nature Field Guide', 'Brain Science Book'] },
      { name: 'Travel', nouns: ['City Guide', 'Road Atlas', 'Hiking Guide', 'Travel Memoir'] },
    ],
  },
  {
    name: 'Toys & Games',
    medianPrice: 25,
    priceSpread: 0.7,
    purpose: 'rainy afternoons',
    adjectives: ['Wooden', 'Colourful', 'Educational', 'Giant', 'Cooperative', 'Magnetic'],
    variants: ['Ages 3+', 'Ages 6+', 'Ages 10+', ''],
    brands: ['Playwright', 'Toybox Lane', 'Clevercub', 'Brickwell', 'Meeple House', 'Sunny Days'],
    subcategories: [
      { name: 'Board Games', nouns: ['Strategy Game', 'Party Game', 'Card Game', 'Chess Set'] },
      { name: 'Puzzles', nouns: ['Jigsaw Puzzle', 'Brain Teaser', '3D Puzzle', 'Floor Puzzle'] },
      { name: 'Building Sets', nouns: ['Building Blocks', 'Marble Run', 'Construction Kit', 'Train Set'] },
      { name: 'Dolls & Plush', nouns: ['Teddy Bear', 'Doll House', 'Plush Dinosaur', 'Puppet'] },
    ],
  },
  {
    name: 'Garden',
    medianPrice: 22,
    priceSpread: 0.8,
    purpose: 'a greener garden',
    adjectives: ['Hardy', 'Weatherproof', 'Ergonomic', 'Terracotta', 'Galvanised', 'Flowering'],
    variants: ['Small', 'Medium', 'Large', ''],
    brands: ['Greenthumb', 'Willowbrook', 'Fernhill', 'Rootwise', 'Meadowgate', 'Bloomfield'],
    subcategories: [
      { name: 'Plants & Seeds', nouns: ['Herb Seeds', 'Tomato Plant', 'Flower Bulbs', 'Lavender Plant'] },
      { name: 'Garden Tools', nouns: ['Pruning Shears', 'Trowel', 'Rake', 'Garden Gloves'] },
      { name: 'Outdoor Furniture', nouns: ['Garden Bench', 'Bistro Set', 'Hammock', 'Parasol'] },
      { name: 'Watering', nouns: ['Watering Can', 'Garden Hose', 'Sprinkler', 'Rain Barrel'] },
    ],
  },
  {
    name: 'Pets',
    medianPrice: 15,
    priceSpread: 0.6,
    purpose: 'happy, healthy pets',
    adjectives: ['Grain-Free', 'Chewy', 'Cosy', 'Interactive', 'Natural', 'Tough'],
    variants: ['400g', '2kg', 'Small', 'Large', ''],
    brands: ['Pawsome', 'Whiskerly', 'Barkley', 'Tailwind', 'Furbright', 'Nibbles & Co'],
    subcategories: [
      { name: 'Dog', nouns: ['Dog Food', 'Dog Treats', 'Chew Toy', 'Dog Bed', 'Leash'] },
      { name: 'Cat', nouns: ['Cat Food', 'Scratching Post', 'Cat Litter', 'Cat Toy'] },
      { name: 'Aquarium', nouns: ['Fish Food', 'Aquarium Filter', 'Water Conditioner', 'Aquarium Plants'] },
      { name: 'Small Animals', nouns: ['Hay', 'Hamster Wheel', 'Rabbit Hutch', 'Guinea Pig Food'] },
    ],
  },
];

export const MAX_CATEGORIES = CATEGORY_WORDS.length;
