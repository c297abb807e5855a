"""The demo's goods catalogue: Pakistan Customs Tariff (PCT) codes with plausible base rates.

Codes follow the PCT's 8-digit structure (HS 6 digits + 2 national digits) and descriptions the
tariff's wording; rates follow the post-2019 slab structure (CD 0/3/5/11/16/20%, regulatory duty
on consumer goods, ACD by CD slab, ST 18%, AST 3% on finished consumer goods). They are close to
real values but are demo data, not a tariff: the budget changes in `tariff.py` move them further.

Columns: code | unit | USD per unit | kg per unit | CD | RD | AST | ST | sectors | trade
description (how importers word it) | tariff heading text.
"""
from __future__ import annotations

from typing import NamedTuple


class Goods(NamedTuple):
    code: str
    unit: str
    usd: float       # typical FOB unit price in USD (floats only drive random draws)
    kg: float        # typical gross kg per unit, before packing
    cd: int
    rd: int
    ast: int
    st: int
    sectors: tuple[str, ...]
    trade: str
    heading: str


_TABLE = """
04021000|KG|2.8|1|20|0|3|18|FOOD|SKIMMED MILK POWDER|Milk and cream in powder, fat content not exceeding 1.5%
04022100|KG|3.6|1|20|0|3|18|FOOD|FULL CREAM MILK POWDER|Milk and cream in powder, fat > 1.5%, not sweetened
04069000|KG|5.5|1|20|10|3|18|FOOD|PROCESSED CHEDDAR CHEESE|Cheese: other
07134000|KG|0.75|1|0|0|0|18|FOOD|RED LENTILS (MASOOR)|Lentils, dried, shelled
07132090|KG|0.9|1|0|0|0|18|FOOD|CHICKPEAS (KABULI CHANA)|Chickpeas (garbanzos), dried, shelled: other
08021200|KG|6.5|1|16|10|0|18|FOOD|ALMONDS SHELLED|Almonds, shelled
08023200|KG|7.0|1|16|10|0|18|FOOD|WALNUT KERNELS|Walnuts, shelled
08081000|KG|1.1|1|20|20|0|18|FOOD|FRESH APPLES|Apples, fresh
08062000|KG|2.2|1|20|10|0|18|FOOD|RAISINS|Grapes, dried
09024000|KG|2.6|1|11|0|0|18|FOOD|BLACK TEA CTC IN BULK|Other black tea (fermented) and partly fermented tea
09041100|KG|4.5|1|11|0|0|18|FOOD|BLACK PEPPER WHOLE|Pepper, neither crushed nor ground
09083100|KG|18|1|11|10|0|18|FOOD|GREEN CARDAMOM|Cardamoms, neither crushed nor ground
12019000|KG|0.5|1|3|0|0|18|FOOD|SOYBEAN SEEDS|Soya beans, whether or not broken: other
12051000|KG|0.55|1|3|0|0|18|FOOD|CANOLA SEED|Low erucic acid rape or colza seeds
15111000|KG|0.95|1|3|0|0|18|FOOD|CRUDE PALM OIL|Palm oil, crude
15119000|KG|1.0|1|11|0|0|18|FOOD|RBD PALM OLEIN|Palm oil and its fractions: other
15071000|KG|1.05|1|3|0|0|18|FOOD|CRUDE DEGUMMED SOYBEAN OIL|Soya-bean oil, crude
17049000|KG|3.0|1|20|10|3|18|FOOD|SUGAR CONFECTIONERY (CANDIES)|Sugar confectionery not containing cocoa: other
18069000|KG|6.0|1|20|15|3|18|FOOD|CHOCOLATE BARS|Chocolate and other food preparations containing cocoa: other
19019000|KG|2.5|1|11|0|0|18|FOOD|MALT EXTRACT FOOD PREPARATION|Malt extract; food preparations of flour, meal or starch: other
19053100|KG|3.2|1|20|10|3|18|FOOD|SWEET BISCUITS|Sweet biscuits
21069090|KG|4.0|1|20|0|3|18|FOOD|FOOD SUPPLEMENT POWDER|Food preparations not elsewhere specified: other
22029900|L|1.2|1.05|20|10|3|18|FOOD|ENERGY DRINK IN CANS|Non-alcoholic beverages: other
23040000|KG|0.45|1|3|0|0|18|FOOD AGRI|SOYBEAN MEAL|Oil-cake and other solid residues of soya-bean oil
23099000|KG|1.2|1|11|0|0|18|AGRI|POULTRY FEED PREMIX|Preparations of a kind used in animal feeding: other
31021000|KG|0.4|1|0|0|0|18|AGRI|UREA FERTILIZER GRANULAR|Urea, whether or not in aqueous solution
31053000|KG|0.65|1|0|0|0|18|AGRI|DIAMMONIUM PHOSPHATE (DAP)|Diammonium hydrogenorthophosphate
38089190|KG|9.0|1|11|0|0|18|AGRI|INSECTICIDE EMULSIFIABLE CONCENTRATE|Insecticides: other
38089290|KG|11|1|11|0|0|18|AGRI|FUNGICIDE WETTABLE POWDER|Fungicides: other
38089390|KG|8.0|1|11|0|0|18|AGRI|HERBICIDE SOLUTION|Herbicides, anti-sprouting products and plant-growth regulators: other
12099100|KG|40|1|0|0|0|18|AGRI|HYBRID VEGETABLE SEEDS|Vegetable seeds, of a kind used for sowing
29224100|KG|1.8|1|3|0|0|18|AGRI CHEM|L-LYSINE HCL FEED GRADE|Lysine and its esters; salts thereof
28352500|KG|0.6|1|3|0|0|18|AGRI CHEM|DICALCIUM PHOSPHATE FEED GRADE|Calcium hydrogenorthophosphate
28151100|KG|0.5|1|11|0|0|18|CHEM|CAUSTIC SODA FLAKES|Sodium hydroxide (caustic soda), solid
28363000|KG|0.35|1|11|0|0|18|CHEM FOOD|SODIUM BICARBONATE|Sodium hydrogencarbonate (sodium bicarbonate)
28230000|KG|2.8|1|3|0|0|18|CHEM|TITANIUM DIOXIDE RUTILE|Titanium oxides
28182000|KG|0.5|1|3|0|0|18|CHEM|CALCINED ALUMINA|Aluminium oxide, other than artificial corundum
29051100|KG|0.4|1|3|0|0|18|CHEM|METHANOL|Methanol (methyl alcohol)
29173600|KG|0.85|1|3|0|0|18|CHEM TEXT|PURIFIED TEREPHTHALIC ACID (PTA)|Terephthalic acid and its salts
29153200|KG|1.1|1|3|0|0|18|CHEM|VINYL ACETATE MONOMER|Vinyl acetate
29362700|KG|7.0|1|3|0|0|18|PHAR CHEM FOOD|ASCORBIC ACID (VITAMIN C) USP|Vitamin C and its derivatives
29411000|KG|28|1|3|0|0|18|PHAR|AMOXICILLIN TRIHYDRATE USP|Penicillins and their derivatives
29420000|KG|60|1|3|0|0|18|PHAR CHEM|PHARMACEUTICAL INTERMEDIATE|Other organic compounds
29242990|KG|4.5|1|3|0|0|18|PHAR CHEM|PARACETAMOL BP POWDER|Cyclic amides and their derivatives: other
30042000|KG|40|1|11|0|0|18|PHAR|ANTIBIOTIC TABLETS IN RETAIL PACKS|Medicaments containing antibiotics, in measured doses
30049099|KG|60|1|11|0|0|18|PHAR|MEDICAMENTS IN MEASURED DOSES|Medicaments put up in measured doses: other
30051090|KG|8.0|1|11|0|0|18|MED PHAR|ADHESIVE WOUND DRESSINGS|Adhesive dressings and other articles having an adhesive layer: other
32041600|KG|7.0|1|11|0|0|18|TEXT CHEM|REACTIVE DYES FOR COTTON|Reactive dyes and preparations based thereon
32041700|KG|9.0|1|11|0|0|18|CHEM TEXT|ORGANIC PIGMENT POWDER|Pigments and preparations based thereon
32081090|KG|4.0|1|20|0|3|18|CHEM HOUSE|POLYESTER BASED INDUSTRIAL PAINT|Paints and varnishes based on polyesters: other
32091000|KG|3.0|1|20|0|3|18|HOUSE BULD|ACRYLIC EMULSION WALL PAINT|Paints and varnishes based on acrylic or vinyl polymers, aqueous
32151190|KG|6.0|1|16|0|0|18|PAPER CHEM|BLACK OFFSET PRINTING INK|Printing ink, black: other
38123900|KG|3.5|1|3|0|0|18|CHEM AUTO|RUBBER ANTIOXIDANT (6PPD)|Anti-oxidising preparations and other stabilisers for rubber or plastics
38249990|KG|2.0|1|11|0|0|18|CHEM|CHEMICAL ADDITIVE PREPARATION|Chemical products and preparations n.e.s.: other
34039900|KG|3.0|1|11|0|0|18|CHEM AUTO|LUBRICATING PREPARATION (GREASE)|Lubricating preparations: other
27011900|KG|0.13|1|0|0|0|18|BULD|STEAM COAL|Other coal, whether or not pulverised, not agglomerated
33030000|U|8.0|0.3|20|25|3|18|COSM|EAU DE PARFUM 100ML|Perfumes and toilet waters
33049990|KG|12|1|20|30|3|18|COSM|SKIN CARE CREAMS AND MAKE-UP|Beauty or make-up preparations: other
33029000|KG|9.0|1|11|0|0|18|COSM CHEM|FRAGRANCE COMPOUND (ODORIFEROUS MIXTURE)|Mixtures of odoriferous substances: other
33051000|L|2.5|1.05|20|10|3|18|COSM|SHAMPOO IN BOTTLES|Shampoos
33061000|KG|3.0|1|20|0|3|18|COSM|TOOTHPASTE TUBES|Dentifrices
33072000|U|1.6|0.2|20|10|3|18|COSM|DEODORANT SPRAY 150ML|Personal deodorants and antiperspirants
34011100|KG|2.0|1|20|0|3|18|COSM|TOILET SOAP BARS|Soap for toilet use (including medicated products)
34022000|KG|1.3|1|20|0|0|18|COSM HOUSE|WASHING POWDER IN RETAIL PACKS|Washing and cleaning preparations put up for retail sale
96032100|U|0.15|0.02|20|0|3|18|COSM|TOOTHBRUSHES|Tooth brushes, including dental-plate brushes
96190000|KG|2.8|1|20|0|3|18|COSM|BABY DIAPERS|Sanitary towels, napkins and diapers, of any material
39011000|KG|1.2|1|3|0|0|18|PLAS|LDPE GRANULES FILM GRADE|Polyethylene having a specific gravity of less than 0.94
39012000|KG|1.15|1|3|0|0|18|PLAS|HDPE RESIN BLOW MOULDING GRADE|Polyethylene having a specific gravity of 0.94 or more
39021000|KG|1.1|1|3|0|0|18|PLAS|POLYPROPYLENE HOMOPOLYMER|Polypropylene, in primary forms
39041000|KG|0.9|1|3|0|0|18|PLAS BULD|PVC RESIN SUSPENSION GRADE|Poly(vinyl chloride), not mixed with any other substances
39076100|KG|1.05|1|11|0|0|18|PLAS|PET RESIN BOTTLE GRADE|Poly(ethylene terephthalate), viscosity number 78 ml/g or higher
39033000|KG|1.8|1|3|0|0|18|PLAS|ABS RESIN|Acrylonitrile-butadiene-styrene (ABS) copolymers
39172300|KG|1.6|1|20|0|0|18|BULD PLAS|UPVC PIPES|Tubes, pipes and hoses, rigid, of polymers of vinyl chloride
39199090|KG|3.0|1|20|0|0|18|PLAS PAPER|SELF ADHESIVE TAPE ROLLS|Self-adhesive plates, sheets, film, tape of plastics: other
39202090|KG|1.7|1|11|0|0|18|PLAS PAPER|BOPP FILM|Plates, sheets, film of polymers of propylene: other
39232100|KG|1.9|1|20|0|3|18|PLAS|POLYETHYLENE SHOPPING BAGS|Sacks and bags (including cones) of polymers of ethylene
39241000|KG|3.5|1|20|0|3|18|HOUSE|MELAMINE TABLEWARE|Tableware and kitchenware, of plastics
39269099|KG|3.0|1|16|0|0|18|PLAS HOUSE|ARTICLES OF PLASTIC (CLIPS AND FITTINGS)|Other articles of plastics: other
63053300|KG|1.8|1|20|0|0|18|PLAS FOOD|PP WOVEN SACKS|Sacks and bags of polyethylene or polypropylene strip
40012200|KG|1.55|1|0|0|0|18|AUTO|NATURAL RUBBER TSR 20|Technically specified natural rubber (TSNR)
40021990|KG|1.7|1|3|0|0|18|AUTO CHEM|STYRENE BUTADIENE RUBBER|Styrene-butadiene rubber (SBR): other
40111000|U|38|8|20|10|3|18|AUTO|PASSENGER CAR RADIAL TYRES 185/65R15|New pneumatic tyres, of rubber, of a kind used on motor cars
40112000|U|150|55|11|0|0|18|AUTO|TRUCK BUS RADIAL TYRES 315/80R22.5|New pneumatic tyres, of rubber, of a kind used on buses or lorries
40131000|U|4.0|1|20|0|0|18|AUTO|INNER TUBES FOR TYRES|Inner tubes, of rubber, of a kind used on motor cars, buses or lorries
40169390|KG|6.0|1|16|0|0|18|AUTO MACH|RUBBER GASKETS AND O-RINGS|Gaskets, washers and other seals of vulcanised rubber: other
40151200|PAIR|0.04|0.008|11|0|0|18|MED|NITRILE EXAMINATION GLOVES|Gloves of a kind used for medical, surgical, dental or veterinary purposes
84099199|KG|8.0|1|16|0|0|18|AUTO|ENGINE PARTS (PISTONS, RINGS, LINERS)|Parts for spark-ignition internal combustion piston engines: other
84133090|U|25|1.2|16|0|0|18|AUTO|FUEL PUMPS FOR ENGINES|Fuel, lubricating or cooling medium pumps for engines: other
87081000|U|45|6|20|5|3|18|AUTO|FRONT BUMPER ASSEMBLY|Bumpers and parts thereof
87082900|KG|6.0|1|20|10|3|18|AUTO|CAR BODY PANELS (DOORS, BONNETS)|Other parts and accessories of bodies (including cabs)
87083000|SET|8.0|1.2|20|0|3|18|AUTO|BRAKE PADS|Brakes and servo-brakes; parts thereof
87084000|U|450|45|20|0|0|18|AUTO|GEARBOX ASSEMBLY|Gear boxes and parts thereof
87089900|KG|5.0|1|16|0|0|18|AUTO|AUTO PARTS ASSORTED|Other parts and accessories of motor vehicles: other
87141090|KG|4.0|1|20|0|3|18|AUTO|MOTORCYCLE PARTS (CHAIN SPROCKET KITS)|Parts and accessories of motorcycles: other
87120000|U|60|14|20|10|3|18|HOUSE|BICYCLES 26 INCH|Bicycles and other cycles, not motorised
85072000|U|40|14|20|0|3|18|AUTO SOLAR|LEAD ACID BATTERY 12V 100AH|Other lead-acid accumulators
84821000|U|1.5|0.2|11|0|0|18|MACH AUTO|DEEP GROOVE BALL BEARINGS|Ball bearings
72044900|KG|0.38|1|0|0|0|18|STEEL|HEAVY MELTING SCRAP HMS 1&2|Other ferrous waste and scrap
72071100|KG|0.55|1|11|0|0|18|STEEL|STEEL BILLETS|Semi-finished products of iron or non-alloy steel, < 0.25% carbon
72083900|KG|0.6|1|11|10|0|18|STEEL|HOT ROLLED COILS BELOW 3MM|Flat-rolled, hot-rolled, in coils, thickness < 3 mm
72091700|KG|0.7|1|11|10|0|18|STEEL|COLD ROLLED COILS 0.5-1MM|Flat-rolled, cold-rolled, in coils, thickness 0.5 mm to 1 mm
72104900|KG|0.85|1|20|15|0|18|STEEL BULD|GALVANIZED STEEL COILS|Flat-rolled, otherwise plated or coated with zinc
72107000|KG|0.95|1|20|15|0|18|STEEL BULD|PRE-PAINTED GALVANIZED COILS (PPGI)|Flat-rolled, painted, varnished or coated with plastics
72193300|KG|2.2|1|11|0|0|18|STEEL HOUSE|STAINLESS STEEL COLD ROLLED SHEETS|Flat-rolled stainless steel, cold-rolled, 1 mm to 3 mm
72139190|KG|0.6|1|11|10|0|18|STEEL|WIRE RODS 5.5MM|Bars and rods, hot-rolled, in irregular coils: other
73181500|KG|1.8|1|20|0|0|18|STEEL MACH BULD|HEX BOLTS AND NUTS|Other screws and bolts, whether or not with nuts or washers
73211100|U|45|12|20|10|3|18|HOUSE|GAS COOKING RANGE|Cooking appliances and plate warmers, for gas fuel
73219000|KG|3.0|1|11|0|0|18|HOUSE|PARTS OF COOKING RANGES (BURNERS)|Parts of stoves, ranges and cookers
73239300|KG|5.0|1|20|0|3|18|HOUSE|STAINLESS STEEL KITCHENWARE|Table, kitchen or other household articles, of stainless steel
73269090|KG|2.5|1|20|0|0|18|STEEL|ARTICLES OF IRON OR STEEL|Other articles of iron or steel: other
73066100|KG|0.9|1|20|0|0|18|BULD STEEL|SQUARE STEEL TUBES|Welded tubes of square or rectangular cross-section
73089000|KG|1.5|1|20|0|0|18|SOLAR BULD|SOLAR MOUNTING STRUCTURES (STEEL)|Structures and parts of structures, of iron or steel: other
74031100|KG|8.5|1|0|0|0|18|STEEL ELEC|COPPER CATHODES|Refined copper: cathodes and sections of cathodes
74081900|KG|9.2|1|11|0|0|18|ELEC|COPPER WIRE BARE|Wire of refined copper: other
76011000|KG|2.3|1|3|0|0|18|STEEL|ALUMINIUM INGOTS|Aluminium, not alloyed, unwrought
76061200|KG|3.2|1|11|0|0|18|STEEL|ALUMINIUM ALLOY SHEETS|Plates, sheets and strip of aluminium alloys, rectangular
76072000|KG|3.8|1|16|0|0|18|PAPER|ALUMINIUM FOIL PAPER BACKED|Aluminium foil, backed
69072100|M2|6.0|20|20|15|3|18|BULD|PORCELAIN FLOOR TILES 60X60|Ceramic tiles, water absorption not exceeding 0.5% by weight
68109900|M2|5.0|25|16|0|0|18|BULD|CONCRETE PAVING TILES|Other articles of cement or concrete: other
69101000|U|60|25|20|15|3|18|BULD|CERAMIC WATER CLOSETS|Sinks, wash basins, water closet pans and similar, of porcelain
69111000|SET|15|6|20|10|3|18|HOUSE|PORCELAIN DINNER SET 72 PCS|Tableware and kitchenware, of porcelain or china
70052900|M2|4.0|12.5|20|0|0|18|BULD|CLEAR FLOAT GLASS 5MM|Float glass, non-wired, not coloured: other
70134900|KG|2.5|1|20|0|3|18|HOUSE|GLASS TABLEWARE|Glassware of a kind used for table or kitchen purposes: other
44123100|M2|9.0|10|20|0|0|18|BULD HOUSE|TROPICAL HARDWOOD PLYWOOD 18MM|Plywood with at least one outer ply of tropical wood
47032900|KG|0.7|1|0|0|0|18|PAPER|BLEACHED HARDWOOD KRAFT PULP|Chemical wood pulp, sulphate, semi-bleached or bleached, non-coniferous
48010000|KG|0.65|1|0|0|0|18|PAPER|NEWSPRINT IN ROLLS|Newsprint, in rolls or sheets
48025590|KG|0.95|1|20|0|0|18|PAPER|WOODFREE PRINTING PAPER 70 GSM|Uncoated paper, 40-150 g/m2, in rolls: other
48101300|KG|1.0|1|20|0|0|18|PAPER|COATED ART PAPER IN ROLLS|Coated paper for writing or printing, in rolls
48109200|KG|0.75|1|20|0|0|18|PAPER|DUPLEX BOARD GREY BACK|Coated paperboard, multi-ply
48191000|KG|1.2|1|20|0|0|18|PAPER|CORRUGATED CARTONS|Cartons, boxes and cases, of corrugated paper or paperboard
48211090|KG|5.0|1|20|0|0|18|PAPER|PRINTED PAPER LABELS|Paper or paperboard labels, printed: other
52010090|KG|1.9|1|0|0|0|18|TEXT|RAW COTTON UPLAND|Cotton, not carded or combed: other
52051200|KG|3.2|1|5|0|0|18|TEXT|100% COTTON CARDED YARN 20S|Single cotton yarn, uncombed fibres, 232.56-714.29 dtex
54023300|KG|1.5|1|5|0|0|18|TEXT|POLYESTER TEXTURED YARN DTY 150D|Textured yarn of polyesters
54024400|KG|4.2|1|5|0|0|18|TEXT|SPANDEX ELASTOMERIC YARN 40D|Elastomeric yarn, single, untwisted
54076100|M|0.9|0.12|16|0|0|18|TEXT|WOVEN POLYESTER FABRIC|Woven fabrics, >= 85% non-textured polyester filaments
55032000|KG|1.05|1|5|0|0|18|TEXT|POLYESTER STAPLE FIBRE 1.4D|Synthetic staple fibres of polyesters, not carded
55041000|KG|1.8|1|5|0|0|18|TEXT|VISCOSE STAPLE FIBRE|Artificial staple fibres of viscose rayon, not carded
56031200|KG|2.0|1|11|0|0|18|MED TEXT|NON-WOVEN FABRIC SPUNBOND|Nonwovens of man-made filaments, 25-70 g/m2
60041000|KG|4.5|1|11|0|0|18|TEXT GARM|KNITTED FABRIC WITH SPANDEX|Knitted fabrics, >= 5% elastomeric yarn, no rubber thread
41079900|M2|14|1.2|5|0|0|18|GARM|FINISHED COW LEATHER|Leather further prepared after tanning, of bovine animals: other
63090000|KG|0.6|1|11|0|0|18|GARM|USED CLOTHING (WORN)|Worn clothing and other worn articles
61091000|U|2.2|0.2|20|10|3|18|GARM|MEN'S COTTON T-SHIRTS|T-shirts, singlets and other vests, knitted, of cotton
61103000|U|6.0|0.45|20|10|3|18|GARM|KNITTED JERSEYS (SWEATERS)|Jerseys, pullovers, cardigans, knitted, of man-made fibres
61159500|PAIR|0.5|0.06|20|10|3|18|GARM|COTTON SOCKS|Other hosiery, knitted, of cotton
62034200|U|5.5|0.6|20|10|3|18|GARM|MEN'S DENIM TROUSERS|Men's trousers and breeches, of cotton
62052000|U|4.5|0.3|20|10|3|18|GARM|MEN'S COTTON SHIRTS|Men's or boys' shirts, of cotton
64029900|PAIR|4.0|0.7|20|10|3|18|GARM|SPORTS SHOES RUBBER SOLE|Other footwear with outer soles and uppers of rubber or plastics
64039900|PAIR|11|0.9|20|15|3|18|GARM|MEN'S LEATHER SHOES|Other footwear with uppers of leather: other
64069000|KG|6.0|1|11|0|0|18|GARM|SHOE UPPERS AND PARTS OF FOOTWEAR|Parts of footwear: other
42022200|U|8.0|0.6|20|10|3|18|GARM|LADIES HANDBAGS|Handbags with outer surface of plastic sheeting or textile materials
91021100|U|12|0.1|20|10|3|18|GARM HOUSE|WRIST WATCHES QUARTZ|Wrist-watches, electrically operated, with mechanical display only
94013000|U|45|15|20|15|3|18|HOUSE|SWIVEL OFFICE CHAIRS|Swivel seats with variable height adjustment
94016100|SET|450|120|20|15|3|18|HOUSE|UPHOLSTERED SOFA SETS|Seats with wooden frames, upholstered
94033000|U|150|40|20|15|3|18|HOUSE|WOODEN OFFICE DESKS|Wooden furniture of a kind used in offices
94036000|SET|600|160|20|15|3|18|HOUSE|WOODEN BEDROOM FURNITURE SET|Other wooden furniture
94042900|U|90|25|20|0|3|18|HOUSE|SPRING MATTRESSES|Mattresses of other materials
94054200|U|6.0|0.6|20|0|3|18|ELEC HOUSE|LED PANEL LIGHTS 18W|Luminaires and lighting fittings designed for LED light sources
85395200|U|0.8|0.08|11|0|0|18|ELEC|LED BULBS 12W|LED lamps
95030090|KG|4.0|1|20|10|3|18|HOUSE|PLASTIC TOYS ASSORTED|Tricycles, dolls, other toys, puzzles: other
95069100|U|300|70|20|0|3|18|HOUSE|FITNESS EQUIPMENT (TREADMILLS)|Articles and equipment for general physical exercise, gymnastics
82055900|KG|4.5|1|20|0|0|18|HOUSE MACH|HAND TOOLS (PLIERS, SPANNERS)|Other hand tools: other
82079000|KG|6.0|1|11|0|0|18|MACH|INTERCHANGEABLE TOOLS (DRILL BITS)|Interchangeable tools for hand tools or machine tools: other
83014000|U|3.0|0.4|20|0|3|18|HOUSE BULD|DOOR LOCKS|Other locks, of base metal
84151010|U|320|42|20|15|3|18|ELEC|SPLIT AIR CONDITIONER 1.5 TON INVERTER|Air conditioning machines, wall or window, split-system
84159000|KG|6.0|1|11|0|0|18|ELEC|PARTS OF AIR CONDITIONERS|Parts of air conditioning machines
84181000|U|280|60|20|15|3|18|ELEC|REFRIGERATOR-FREEZER 14 CFT|Combined refrigerator-freezers, fitted with separate external doors
84189900|KG|5.0|1|11|0|0|18|ELEC|PARTS OF REFRIGERATORS|Parts of refrigerating or freezing equipment: other
84145100|U|12|4|20|10|3|18|ELEC|PEDESTAL FANS|Table, floor, wall, window or ceiling fans, motor <= 125 W
84501100|U|180|55|20|15|3|18|ELEC|FULLY AUTOMATIC WASHING MACHINE 8KG|Household washing machines, fully-automatic, <= 10 kg
84509000|KG|5.0|1|11|0|0|18|ELEC|PARTS OF WASHING MACHINES|Parts of washing machines
85081100|U|45|6|20|0|3|18|ELEC|VACUUM CLEANERS|Vacuum cleaners, with self-contained motor <= 1,500 W
85094000|U|12|2.5|20|10|3|18|ELEC|JUICER BLENDERS|Food grinders and mixers; fruit or vegetable juice extractors
85161000|U|60|18|20|0|3|18|ELEC|ELECTRIC WATER HEATERS (GEYSERS)|Electric instantaneous or storage water heaters
85164000|U|6.0|1.2|20|10|3|18|ELEC|ELECTRIC IRONS|Electric smoothing irons
85165000|U|55|13|20|15|3|18|ELEC|MICROWAVE OVENS 25L|Microwave ovens
85169000|KG|5.0|1|11|0|0|18|ELEC|PARTS OF ELECTRO-THERMIC APPLIANCES|Parts of electric heaters, ovens and appliances
85287200|U|170|12|20|15|3|18|ELEC|LED TELEVISION 43 INCH|Reception apparatus for television, colour
85285200|U|85|5|3|0|0|18|COMP|LED MONITOR 24 INCH FOR COMPUTERS|Monitors capable of directly connecting to an automatic data processing machine
85299090|KG|8.0|1|11|0|0|18|ELEC|PARTS OF TELEVISION (OPEN CELL PANELS)|Parts for television and radar apparatus: other
85183000|U|4.0|0.25|20|10|3|18|ELEC COMP|WIRELESS EARPHONES|Headphones and earphones, whether or not combined with a microphone
85182200|U|25|5|20|0|3|18|ELEC|LOUDSPEAKERS IN ENCLOSURES|Multiple loudspeakers, mounted in the same enclosure
85365090|U|0.6|0.06|20|0|0|18|ELEC BULD|ELECTRICAL SWITCHES AND SOCKETS|Switches for a voltage not exceeding 1,000 volts: other
85364900|U|2.5|0.1|16|0|0|18|ELEC|ELECTRICAL RELAYS|Relays for a voltage exceeding 60 V but not exceeding 1,000 V
85369090|KG|6.0|1|16|0|0|18|ELEC|ELECTRICAL CONNECTORS|Electrical apparatus for a voltage not exceeding 1,000 V: other
85371000|U|900|60|20|0|0|18|ELEC MACH|ELECTRICAL CONTROL PANELS|Boards, panels, consoles for a voltage not exceeding 1,000 V
85444990|KG|5.5|1|20|0|0|18|ELEC BULD|PVC INSULATED COPPER CABLES|Other electric conductors, for a voltage not exceeding 1,000 V: other
85011000|U|2.0|0.3|16|0|0|18|ELEC MACH|DC MOTORS BELOW 37.5W|Motors of an output not exceeding 37.5 W
85015200|U|180|30|16|0|0|18|MACH|INDUCTION MOTORS 7.5KW|AC motors, multi-phase, output 750 W to 75 kW
85021200|U|5500|800|20|0|0|18|MACH ELEC|DIESEL GENERATING SETS 100KVA|Generating sets with compression-ignition engines, 75-375 kVA
90283010|U|18|1.2|20|0|0|18|ELEC|ELECTRICITY METERS SINGLE PHASE|Electricity meters, single phase
84713010|U|320|2.5|0|0|0|18|COMP|LAPTOP COMPUTERS|Laptop computers, notebooks and sub-notebooks
84714100|U|400|9|0|0|0|18|COMP|DESKTOP COMPUTERS|Other ADP machines with CPU and input/output unit in one housing
84716090|U|8.0|0.5|0|0|0|18|COMP|KEYBOARDS AND MICE|Input or output units: other
84717000|U|40|0.3|0|0|0|18|COMP|SOLID STATE DRIVES 512GB|Storage units
84733000|U|60|0.5|0|0|0|18|COMP|COMPUTER MOTHERBOARDS|Parts and accessories of the machines of heading 84.71
84433100|U|250|15|3|0|0|18|COMP|MULTIFUNCTION LASER PRINTERS|Machines performing two or more of printing, copying or facsimile
84439990|KG|15|1|3|0|0|18|COMP|PRINTER CARTRIDGES AND PARTS|Parts and accessories of printers: other
85171300|U|160|0.35|16|10|3|18|COMP ELEC|SMARTPHONES 128GB|Smartphones
85177900|KG|60|1|3|0|0|18|COMP|PARTS OF TELEPHONE SETS (LCD, BOARDS)|Parts of telephone sets and other apparatus: other
85176290|U|35|0.6|3|0|0|18|COMP|WIFI ROUTERS|Machines for the reception and transmission of data: other
85235100|U|4.0|0.02|3|0|0|18|COMP|USB FLASH DRIVES 32GB|Solid-state non-volatile storage devices
85423100|U|3.0|0.005|0|0|0|18|COMP ELEC|MICROCONTROLLER ICS|Processors and controllers (electronic integrated circuits)
85258900|U|25|0.4|20|0|3|18|COMP|CCTV CAMERAS|Television cameras, digital cameras and video recorders: other
85414300|U|95|28|0|0|0|0|SOLAR|SOLAR PV MODULES 550W MONO|Photovoltaic cells assembled in modules or made up into panels
85414200|U|0.4|0.01|0|0|0|0|SOLAR|SOLAR CELLS UNASSEMBLED|Photovoltaic cells not assembled in modules or made up into panels
85044010|U|90|9|20|0|3|18|SOLAR ELEC|UPS 1KVA|Uninterrupted power supply (UPS)
85044090|U|380|18|20|0|3|18|SOLAR ELEC|SOLAR HYBRID INVERTER 5KW|Static converters: other
85049000|KG|14|1|11|0|0|18|SOLAR ELEC|PARTS OF STATIC CONVERTERS (PCB ASSEMBLIES)|Parts of electrical transformers and static converters
85076000|U|800|50|20|0|0|18|SOLAR|LITHIUM ION BATTERY PACK 48V 100AH|Lithium-ion accumulators
85079000|KG|10|1|11|0|0|18|SOLAR|PARTS OF ACCUMULATORS (CELLS, SEPARATORS)|Parts of electric accumulators
90183100|U|0.05|0.01|11|0|0|18|MED|DISPOSABLE SYRINGES 5ML|Syringes, with or without needles
90189090|U|45|0.5|3|0|0|18|MED|SURGICAL INSTRUMENT SETS|Other instruments and appliances used in medical sciences: other
90251900|U|3.0|0.05|11|0|0|18|MED|DIGITAL THERMOMETERS|Thermometers, not combined with other instruments: other
90221400|U|25000|400|3|0|0|18|MED|DIGITAL X-RAY MACHINES|Apparatus based on X-rays, for medical, surgical or veterinary uses
84137090|U|450|60|11|0|0|18|MACH AGRI|CENTRIFUGAL WATER PUMPS|Other centrifugal pumps
84143000|U|60|11|11|0|0|18|ELEC MACH|REFRIGERATION COMPRESSORS|Compressors of a kind used in refrigerating equipment
84212100|U|1500|200|11|0|0|18|MACH FOOD|REVERSE OSMOSIS WATER PLANT|Machinery for filtering or purifying water
84213990|U|5000|800|3|0|0|18|MACH|DUST COLLECTORS (BAG FILTERS)|Filtering or purifying machinery for gases: other
84238100|U|40|4|20|0|3|18|HOUSE MACH|DIGITAL WEIGHING SCALES|Weighing machinery, maximum capacity not exceeding 30 kg
84281000|U|18000|3000|11|0|0|18|BULD MACH|PASSENGER LIFTS|Lifts and skip hoists
84295100|U|65000|11000|11|0|0|18|BULD MACH|WHEEL LOADERS|Front-end shovel loaders
84798990|U|12000|1500|11|0|0|18|MACH|INDUSTRIAL MACHINES (PACKAGING LINES)|Machines having individual functions n.e.s.: other
84771000|U|45000|9000|11|0|0|18|PLAS MACH|INJECTION MOULDING MACHINES|Injection-moulding machines for rubber or plastics
84224000|U|9000|1200|11|0|0|18|FOOD MACH|PACKING AND WRAPPING MACHINES|Other packing or wrapping machinery
84186990|U|25000|3500|11|0|0|18|MACH|INDUSTRIAL WATER CHILLERS|Other refrigerating or freezing equipment; heat pumps: other
84581100|U|55000|4500|3|0|0|18|MACH|CNC LATHES|Horizontal lathes for removing metal, numerically controlled
84818090|KG|12|1|16|0|0|18|MACH BULD|INDUSTRIAL VALVES|Taps, cocks, valves and similar appliances: other
84834090|KG|10|1|16|0|0|18|MACH AUTO|GEARBOXES AND GEARING|Gears and gearing; ball or roller screws: other
84145990|U|120|25|16|0|0|18|MACH|INDUSTRIAL AXIAL FANS|Fans: other
84452000|U|85000|6000|3|0|0|18|MACH TEXT|RING SPINNING FRAMES|Textile spinning machines
84463000|U|42000|3500|3|0|0|18|MACH TEXT|AIR JET WEAVING LOOMS|Weaving machines for fabrics of a width exceeding 30 cm, shuttleless
84472000|U|15000|1200|3|0|0|18|MACH TEXT|COMPUTERIZED FLAT KNITTING MACHINES|Flat knitting machines; stitch-bonding machines
84483900|KG|25|1|3|0|0|18|MACH TEXT|PARTS OF SPINNING MACHINES|Parts and accessories of machines of heading 84.45: other
"""


def _parse(table: str) -> tuple[Goods, ...]:
    goods = []
    for line in table.strip().splitlines():
        code, unit, usd, kg, cd, rd, ast, st, sectors, trade, heading = line.split("|")
        goods.append(Goods(code, unit, float(usd), float(kg), int(cd), int(rd), int(ast),
                           int(st), tuple(sectors.split()), trade, heading))
    return tuple(goods)


GOODS: tuple[Goods, ...] = _parse(_TABLE)
BY_CODE: dict[str, Goods] = {g.code: g for g in GOODS}

# Misclassification pairs: the true (higher-duty) heading -> the lower-duty code a trader
# declares instead. Each pair is a classic dispute: finished goods declared as their parts or
# inputs, a consumer version declared as an industrial one. The description keeps the truth.
DECOYS: dict[str, str] = {
    "85044090": "85049000",  # hybrid inverters as converter parts
    "84151010": "84159000",  # split ACs as AC parts
    "85171300": "85177900",  # smartphones as telephone parts
    "87082900": "87089900",  # body panels as other auto parts
    "61091000": "60041000",  # T-shirts as knitted fabric
    "33049990": "33029000",  # cosmetics as fragrance compound
    "94054200": "85395200",  # LED luminaires as LED lamps
    "72104900": "72091700",  # galvanised coils as cold-rolled
    "72107000": "72083900",  # pre-painted coils as hot-rolled
    "39232100": "39202090",  # PE bags as BOPP film
    "85287200": "85285200",  # televisions as computer monitors
    "85076000": "85079000",  # lithium battery packs as accumulator parts
    "84181000": "84189900",  # refrigerators as refrigerator parts
    "64039900": "64069000",  # leather shoes as footwear parts
    "40111000": "40112000",  # car tyres as truck tyres
    "82055900": "82079000",  # hand tools as interchangeable tools
    "90183100": "90189090",  # syringes as other medical instruments
    "84501100": "84509000",  # washing machines as parts
    "85165000": "85169000",  # microwave ovens as appliance parts
    "19053100": "19019000",  # sweet biscuits as flour preparations
    "85444990": "74081900",  # insulated cables as bare copper wire
    "69072100": "68109900",  # porcelain tiles as concrete tiles
    "95030090": "39269099",  # toys as articles of plastics
    "73211100": "73219000",  # gas cooking ranges as burner parts
    "33051000": "34022000",  # shampoo as washing preparations
}
